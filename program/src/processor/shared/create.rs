//! Creating a program account at its PDA.

use crate::error::ProgramResult;
use crate::idl::Error;
use crate::processor::shared::checks::writable;
use crate::sys::account::Account;
use crate::sys::cpi::{system_allocate, system_assign, system_create_account, system_transfer, CreateAccount, Signer};
use crate::sys::pda::{find, seed};
use crate::sys::syscalls::SolBytes;
use crate::sys::sysvar::minimum_balance;
use crate::sys::{is_zero_key, keys_eq, Pubkey};

/// Checks that `account` is the canonical PDA of `seeds` and still free; returns the bump.
/// An account this program already owns is `already` (AlreadyInitialized or AlreadyMigrated).
pub fn expect_new_pda(account: &Account, seeds: &[SolBytes], program_id: &Pubkey, already: Error) -> Result<u8, Error> {
    writable(account)?;
    let (address, bump) = find(seeds, program_id).ok_or(Error::InvalidAccount)?;
    if !keys_eq(&address, account.key()) {
        return Err(Error::InvalidAccount);
    }
    if keys_eq(account.owner(), program_id) {
        return Err(already);
    }
    Ok(bump)
}

/// A program account to create at the PDA of `seeds` ++ [bump], paid by `payer`.
pub struct NewAccount<'a> {
    pub payer: &'a Account,
    pub account: &'a Account,
    pub space: usize,
    pub seeds: &'a [SolBytes],
    pub bump: u8,
}

/// Creates a rent-exempt account owned by this program. Survives an attacker pre-funding the address:
/// a funded system account is topped up, allocated and assigned instead of a bare CreateAccount (which
/// would fail).
pub fn create_pda(new: &NewAccount, program_id: &Pubkey) -> ProgramResult {
    let bump = [new.bump];
    let mut signer_seeds: [SolBytes; 7] = [seed(&[]), seed(&[]), seed(&[]), seed(&[]), seed(&[]), seed(&[]), seed(&[])];
    let n = new.seeds.len();
    let mut i = 0;
    while i < n {
        signer_seeds[i] = SolBytes { addr: new.seeds[i].addr, len: new.seeds[i].len };
        i += 1;
    }
    signer_seeds[n] = seed(&bump);
    let signer = Signer::new(&signer_seeds[..n + 1]);
    let (payer, account, space) = (new.payer, new.account, new.space as u64);
    let rent = minimum_balance(space);
    let current = account.lamports();
    if current == 0 {
        let create = CreateAccount { payer, account, lamports: rent, space, owner: program_id };
        system_create_account(&create, &signer)?;
        return Ok(());
    }
    if !is_zero_key(account.owner()) || account.data_len() != 0 {
        return Err(Error::AlreadyInitialized.into());
    }
    if current < rent {
        system_transfer(payer, account, rent - current)?;
    }
    system_allocate(account, space, &signer)?;
    system_assign(account, program_id, &signer)?;
    Ok(())
}
