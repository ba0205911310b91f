use super::{layout, I64, U64};
use crate::idl::account;
use crate::sys::Pubkey;

/// Marks a Cosmos bank balance as migrated, at PDA ["migration", cosmos_address].
#[repr(C)]
pub struct MigrationRecord {
    pub cosmos_address: [u8; 20],
    pub kind: u8,
    pub bump: u8,
    pub recipient: Pubkey,
    pub amount_uakt: U64,
    pub migrated_at: I64,
}

layout!(MigrationRecord, account::MIGRATION_RECORD, account::MIGRATION_RECORD_LEN);

pub const MIGRATION_SEED: &[u8] = b"migration";
