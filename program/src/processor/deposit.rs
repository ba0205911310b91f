use crate::error::{OrOverflow, ProgramResult};
use crate::idl::{event, Error};
use crate::processor::shared::args::Args;
use crate::processor::shared::burn::{burn_for_deposit, Burn};
use crate::processor::shared::checks::{
    akt_mint, signer, token_account, token_program, unpaused_config_and_feed, writable,
};
use crate::processor::shared::settle::settle;
use crate::processor::shared::status::{evaluate, store};
use crate::state::{load, Lease, LeaseState};
use crate::sys::account::Input;
use crate::sys::log::Event;
use crate::sys::sysvar::clock;

pub fn process_deposit(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [depositor, config_account, feed_account, lease_account, depositor_akt, mint, token, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let deposit_uact = args.u64()?;
    let max_burn_uakt = args.u64()?;
    args.finish()?;

    signer(depositor)?;
    token_program(token)?;
    let (config, feed) = unpaused_config_and_feed(config_account, feed_account, program_id)?;
    writable(lease_account)?;
    let lease = load::<Lease>(lease_account, program_id)?;
    akt_mint(mint, config)?;
    token_account(depositor_akt, &config.akt_mint, Some(depositor.key()))?;

    let now = clock().unix_timestamp;
    let evaluation = evaluate(config, feed, now);
    let burn =
        Burn { owner: depositor, source: depositor_akt, mint, lease: lease_account.key(), deposit_uact, max_burn_uakt };
    burn_for_deposit(config, &evaluation, &burn)?;
    settle(lease, lease_account.key(), now)?;

    // The overdrawn part is owed to the provider: pay it first, the rest funds the escrow.
    let overdrawn = lease.overdrawn_uact.get();
    let to_provider = if deposit_uact < overdrawn { deposit_uact } else { overdrawn };
    lease.overdrawn_uact.set(overdrawn - to_provider);
    lease.unwithdrawn_uact.set(lease.unwithdrawn_uact.get().checked_add(to_provider).or_overflow()?);
    lease.total_paid_uact.set(lease.total_paid_uact.get().checked_add(to_provider).or_overflow()?);
    lease.escrow_uact.set(lease.escrow_uact.get().checked_add(deposit_uact - to_provider).or_overflow()?);
    lease.total_deposited_uact.set(lease.total_deposited_uact.get().checked_add(deposit_uact).or_overflow()?);
    if lease.overdrawn_uact.get() == 0 {
        lease.state = LeaseState::Active as u8;
    }
    Event::new(&event::LEASE_DEPOSITED)
        .key(lease_account.key())
        .key(depositor.key())
        .u64(deposit_uact)
        .u64(to_provider)
        .u64(lease.escrow_uact.get())
        .emit();
    store(config, &evaluate(config, feed, now));
    Ok(())
}
