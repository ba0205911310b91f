//! What the migrate_* instructions share: the open-migration gate and the Migrated event.

use crate::idl::{event, Error};
use crate::processor::shared::checks::{authority, config};
use crate::state::Config;
use crate::sys::account::Account;
use crate::sys::log::Event;
use crate::sys::Pubkey;

/// IDL enum `MigrationKind`.
#[repr(u8)]
pub enum MigrationKind {
    Provider = 0,
    Lease = 1,
    Balance = 2,
    Vault = 3,
}

/// Emits `Migrated`.
pub fn migrated(kind: MigrationKind, cosmos_address: &[u8; 20], account: &Pubkey) {
    Event::new(&event::MIGRATED).u8(kind as u8).bytes(cosmos_address).key(account).emit();
}

/// The authority-signed config of an open migration.
pub fn open_config<'a>(
    signer: &Account,
    config_account: &'a Account,
    program_id: &Pubkey,
    write: bool,
) -> Result<&'a mut Config, Error> {
    let config = config(config_account, program_id, write)?;
    authority(signer, &config.authority)?;
    if config.migration_open == 0 {
        return Err(Error::MigrationClosed);
    }
    Ok(config)
}
