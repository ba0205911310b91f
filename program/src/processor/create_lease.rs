use crate::error::{OrOverflow, ProgramResult};
use crate::idl::{event, Error};
use crate::processor::shared::args::Args;
use crate::processor::shared::burn::{burn_for_deposit, Burn};
use crate::processor::shared::checks::{
    akt_mint, signer, system_program, token_account, token_program, unpaused_config_and_feed, writable,
};
use crate::processor::shared::lease::{expect_new_lease, open_lease, LeaseId, NewLease};
use crate::processor::shared::status::{evaluate, store};
use crate::state::{load, Provider};
use crate::sys::account::Input;
use crate::sys::log::Event;
use crate::sys::sysvar::clock;

pub fn process_create_lease(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [tenant, config_account, feed_account, provider_account, lease_account, tenant_akt, mint, token, system, ..] =
        accounts
    else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let dseq = args.u64()?;
    let gseq = args.u32()?;
    let oseq = args.u32()?;
    let rate = args.u64()?;
    let deposit_uact = args.u64()?;
    let max_burn_uakt = args.u64()?;
    args.finish()?;

    signer(tenant)?;
    writable(tenant)?;
    token_program(token)?;
    system_program(system)?;
    let (config, feed) = unpaused_config_and_feed(config_account, feed_account, program_id)?;
    writable(provider_account)?;
    let provider = load::<Provider>(provider_account, program_id)?;
    if provider.active == 0 {
        return Err(Error::ProviderInactive.into());
    }
    akt_mint(mint, config)?;
    token_account(tenant_akt, &config.akt_mint, Some(tenant.key()))?;
    if rate == 0 {
        return Err(Error::ZeroAmount.into());
    }
    let id = LeaseId::new(tenant, provider_account, dseq, gseq, oseq);
    let bump = expect_new_lease(&id, lease_account, program_id, Error::AlreadyInitialized)?;

    let now = clock().unix_timestamp;
    let evaluation = evaluate(config, feed, now);
    let burn =
        Burn { owner: tenant, source: tenant_akt, mint, lease: lease_account.key(), deposit_uact, max_burn_uakt };
    burn_for_deposit(config, &evaluation, &burn)?;
    let new = NewLease { payer: tenant, account: lease_account, id: &id, bump, rate_uact_per_hour: rate, now };
    let lease = open_lease(&new, program_id)?;
    lease.escrow_uact.set(deposit_uact);
    lease.total_deposited_uact.set(deposit_uact);
    provider.active_leases.set(provider.active_leases.get().checked_add(1).or_overflow()?);
    Event::new(&event::LEASE_CREATED)
        .key(lease_account.key())
        .key(tenant.key())
        .key(provider_account.key())
        .u64(dseq)
        .u32(gseq)
        .u32(oseq)
        .u64(rate)
        .u64(deposit_uact)
        .emit();
    store(config, &evaluate(config, feed, now));
    Ok(())
}
