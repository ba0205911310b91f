//! Provider registration and updates by the provider's owner.

use crate::error::ProgramResult;
use crate::idl::{event, Error};
use crate::processor::shared::args::Args;
use crate::processor::shared::checks::{signer, system_program, writable};
use crate::processor::shared::create::{create_pda, expect_new_pda, NewAccount};
use crate::state::{init, load, AccountType, Provider, MAX_HOST_URI_LEN, PROVIDER_SEED};
use crate::sys::account::Input;
use crate::sys::log::Event;
use crate::sys::pda::seed;
use crate::sys::sysvar::clock;
use crate::sys::keys_eq;

/// 1..=128 bytes of UTF-8 without NUL (NUL is the stored padding).
pub fn check_host_uri(uri: &[u8]) -> Result<(), Error> {
    if uri.is_empty() || uri.len() > MAX_HOST_URI_LEN || uri.contains(&0) || core::str::from_utf8(uri).is_err() {
        return Err(Error::InvalidHostUri);
    }
    Ok(())
}

pub fn process_register_provider(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [owner, provider_account, system, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let host_uri = args.string()?;
    args.finish()?;
    signer(owner)?;
    writable(owner)?;
    system_program(system)?;
    check_host_uri(host_uri)?;
    let seeds = [seed(PROVIDER_SEED), seed(owner.key())];
    let bump = expect_new_pda(provider_account, &seeds, program_id, Error::AlreadyInitialized)?;
    create_pda(&NewAccount { payer: owner, account: provider_account, space: Provider::LEN, seeds: &seeds, bump: bump }, program_id)?;
    let provider = init::<Provider>(provider_account)?;
    provider.owner = *owner.key();
    provider.set_host_uri(host_uri);
    provider.active = 1;
    provider.bump = bump;
    provider.created_at.set(clock().unix_timestamp);
    Event::new(&event::PROVIDER_REGISTERED).key(provider_account.key()).key(owner.key()).string(host_uri).emit();
    Ok(())
}

pub fn process_update_provider(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [owner, provider_account, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let host_uri = args.string()?;
    let active = args.bool()?;
    args.finish()?;
    signer(owner)?;
    writable(provider_account)?;
    let provider = load::<Provider>(provider_account, program_id)?;
    if !keys_eq(&provider.owner, owner.key()) {
        return Err(Error::Unauthorized.into());
    }
    check_host_uri(host_uri)?;
    provider.set_host_uri(host_uri);
    provider.active = active as u8;
    Event::new(&event::PROVIDER_UPDATED).key(provider_account.key()).key(owner.key()).string(host_uri).bool(active).emit();
    Ok(())
}
