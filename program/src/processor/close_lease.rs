use crate::error::{OrOverflow, ProgramResult};
use crate::idl::{event, Error};
use crate::processor::shared::args::Args;
use crate::processor::shared::checks::{
    akt_mint, mint_authority, signer, token_account, token_program, unpaused_config_and_feed, writable,
};
use crate::processor::shared::redeem::{pay_provider, redeem, MintAccounts, ProviderPayout};
use crate::processor::shared::settle::settle;
use crate::processor::shared::status::{evaluate, require_redeemable, store};
use crate::state::{load, Lease, Provider};
use crate::sys::account::{Account, Input};
use crate::sys::log::Event;
use crate::sys::sysvar::clock;
use crate::sys::{keys_eq, SYSTEM_PROGRAM_ID};

/// Akash LeaseClosedReason codes a close may name.
const CLOSE_REASONS: [u16; 6] = [1, 10000, 10001, 10002, 10003, 20000];

pub fn process_close_lease(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [closer, config_account, feed_account, provider_account, lease_account, tenant, tenant_akt, provider_akt, mint, authority, token, ..] =
        accounts
    else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let reason = args.u16()?;
    args.finish()?;

    signer(closer)?;
    token_program(token)?;
    if !CLOSE_REASONS.contains(&reason) {
        return Err(Error::InvalidCloseReason.into());
    }
    let (config, feed) = unpaused_config_and_feed(config_account, feed_account, program_id)?;
    writable(provider_account)?;
    let provider = load::<Provider>(provider_account, program_id)?;
    writable(lease_account)?;
    let lease = load::<Lease>(lease_account, program_id)?;
    if !keys_eq(&lease.provider, provider_account.key()) || !keys_eq(&lease.tenant, tenant.key()) {
        return Err(Error::InvalidAccount.into());
    }
    if !keys_eq(closer.key(), &lease.tenant) && !keys_eq(closer.key(), &provider.owner) {
        return Err(Error::Unauthorized.into());
    }
    writable(tenant)?;
    akt_mint(mint, config)?;
    mint_authority(authority, mint)?;
    token_account(tenant_akt, &config.akt_mint, Some(&lease.tenant))?;
    token_account(provider_akt, &config.akt_mint, Some(&provider.owner))?;

    let now = clock().unix_timestamp;
    let evaluation = evaluate(config, feed, now);
    require_redeemable(&evaluation)?;
    settle(lease, lease_account.key(), now)?;

    let earned = lease.unwithdrawn_uact.get();
    if earned > 0 {
        let accounts = MintAccounts { mint, destination: provider_akt, authority };
        let payout = ProviderPayout {
            provider: &mut *provider,
            provider_key: provider_account.key(),
            lease_key: lease_account.key(),
            accounts,
            uact: earned,
        };
        pay_provider(config, &evaluation, payout)?;
    }
    let escrow = lease.escrow_uact.get();
    let to_tenant = MintAccounts { mint, destination: tenant_akt, authority };
    let refund = redeem(config, &evaluation, &to_tenant, escrow)?;
    Event::new(&event::TENANT_REFUNDED)
        .key(lease_account.key())
        .key(tenant.key())
        .u64(escrow)
        .u64(refund.quote.paid_uakt)
        .u64(refund.from_remint_credits_uakt)
        .emit();
    provider.active_leases.set(provider.active_leases.get().checked_sub(1).or_overflow()?);
    Event::new(&event::LEASE_CLOSED)
        .key(lease_account.key())
        .key(tenant.key())
        .key(provider_account.key())
        .key(closer.key())
        .u16(reason)
        .u64(lease.overdrawn_uact.get())
        .emit();
    close_account(lease_account, tenant)?;
    store(config, &evaluate(config, feed, now));
    Ok(())
}

/// Returns the rent to `recipient` and hands the emptied account back to the System Program.
fn close_account(account: &Account, recipient: &Account) -> Result<(), Error> {
    let lamports = account.lamports();
    recipient.set_lamports(recipient.lamports().checked_add(lamports).or_overflow()?);
    account.set_lamports(0);
    account.data_mut().fill(0);
    account.shrink_data(0);
    account.assign(&SYSTEM_PROGRAM_ID);
    Ok(())
}
