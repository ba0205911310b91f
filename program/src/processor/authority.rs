//! The admin's key management: two-step handover, oracle key, pause switch.

use crate::error::ProgramResult;
use crate::idl::{event, Error};
use crate::processor::shared::args::Args;
use crate::processor::shared::checks::{authority, config, signer};
use crate::sys::account::Input;
use crate::sys::log::Event;
use crate::sys::{is_zero_key, keys_eq, Pubkey};

/// IDL enum `AuthorityKind`.
#[repr(u8)]
enum AuthorityKind {
    Admin = 0,
    PendingAdmin = 1,
    Oracle = 2,
}

fn changed(kind: AuthorityKind, previous: &Pubkey, current: &Pubkey) {
    Event::new(&event::AUTHORITY_CHANGED).u8(kind as u8).key(previous).key(current).emit();
}

pub fn process_propose_authority(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [admin, config_account, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let proposed = args.pubkey()?;
    args.finish()?;
    let config = config(config_account, program_id, true)?;
    authority(admin, &config.authority)?;
    let previous = config.pending_authority;
    config.pending_authority = proposed;
    changed(AuthorityKind::PendingAdmin, &previous, &proposed);
    Ok(())
}

pub fn process_accept_authority(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [new_authority, config_account, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    Args::new(data).finish()?;
    let config = config(config_account, program_id, true)?;
    signer(new_authority)?;
    if is_zero_key(&config.pending_authority) || !keys_eq(&config.pending_authority, new_authority.key()) {
        return Err(Error::Unauthorized.into());
    }
    let previous = config.authority;
    config.authority = config.pending_authority;
    config.pending_authority = [0; 32];
    changed(AuthorityKind::Admin, &previous, &config.authority);
    Ok(())
}

pub fn process_set_oracle_authority(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [admin, config_account, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let oracle = args.pubkey()?;
    args.finish()?;
    let config = config(config_account, program_id, true)?;
    authority(admin, &config.authority)?;
    let previous = config.oracle_authority;
    config.oracle_authority = oracle;
    changed(AuthorityKind::Oracle, &previous, &oracle);
    Ok(())
}

pub fn process_set_paused(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [admin, config_account, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let paused = args.bool()?;
    args.finish()?;
    let config = config(config_account, program_id, true)?;
    authority(admin, &config.authority)?;
    config.paused = paused as u8;
    Event::new(&event::PAUSED_CHANGED).bool(paused).emit();
    Ok(())
}
