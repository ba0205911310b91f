use crate::error::{OrOverflow, ProgramResult};
use crate::idl::Error;
use crate::math::quote_redeem;
use crate::processor::shared::args::Args;
use crate::processor::shared::checks::{
    akt_mint, mint_authority, signer, token_account, token_program, unpaused_config_and_feed, writable,
};
use crate::processor::shared::redeem::{pay_provider, MintAccounts, ProviderPayout};
use crate::processor::shared::settle::settle;
use crate::processor::shared::status::{evaluate, require_redeemable, store};
use crate::state::{load, Lease, Provider};
use crate::sys::account::Input;
use crate::sys::keys_eq;
use crate::sys::sysvar::clock;

pub fn process_withdraw(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [owner, config_account, feed_account, provider_account, lease_account, provider_akt, mint, authority, token, ..] =
        accounts
    else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let min_akt_out = args.u64()?;
    args.finish()?;

    signer(owner)?;
    token_program(token)?;
    let (config, feed) = unpaused_config_and_feed(config_account, feed_account, program_id)?;
    writable(provider_account)?;
    let provider = load::<Provider>(provider_account, program_id)?;
    if !keys_eq(&provider.owner, owner.key()) {
        return Err(Error::Unauthorized.into());
    }
    writable(lease_account)?;
    let lease = load::<Lease>(lease_account, program_id)?;
    if !keys_eq(&lease.provider, provider_account.key()) {
        return Err(Error::InvalidAccount.into());
    }
    akt_mint(mint, config)?;
    mint_authority(authority, mint)?;
    token_account(provider_akt, &config.akt_mint, Some(&provider.owner))?;

    let now = clock().unix_timestamp;
    let evaluation = evaluate(config, feed, now);
    require_redeemable(&evaluation)?;
    settle(lease, lease_account.key(), now)?;
    let uact = lease.unwithdrawn_uact.get();
    let expected =
        quote_redeem(uact, config.params.settle_spread_bps.get(), evaluation.price, evaluation.expo).or_overflow()?;
    if uact == 0 || expected.paid_uakt == 0 {
        return Err(Error::ZeroAmount.into()); // nothing to redeem, or dust worth no uakt yet
    }
    if expected.paid_uakt < min_akt_out {
        return Err(Error::SlippageExceeded.into());
    }
    let accounts = MintAccounts { mint, destination: provider_akt, authority };
    let payout = ProviderPayout {
        provider,
        provider_key: provider_account.key(),
        lease_key: lease_account.key(),
        accounts,
        uact,
    };
    pay_provider(config, &evaluation, payout)?;
    lease.unwithdrawn_uact.set(0);
    store(config, &evaluate(config, feed, now));
    Ok(())
}
