//! Redeem ACT for newly minted AKT (withdraw, close_lease): remint credits are used first, the rest is
//! net new supply.

use crate::error::{OrOverflow, ProgramResult};
use crate::idl::event;
use crate::math::{quote_redeem, RedeemQuote};
use crate::processor::shared::status::Evaluation;
use crate::state::{Config, Provider};
use crate::sys::account::Account;
use crate::sys::cpi::{token_mint_to, Signer};
use crate::sys::log::Event;
use crate::sys::pda::seed;
use crate::sys::Pubkey;

/// Seed of the mint-authority PDA.
pub const MINT_AUTHORITY_SEED: &[u8] = b"mint_authority";

/// The accounts a mint touches.
pub struct MintAccounts<'a> {
    pub mint: &'a Account,
    pub destination: &'a Account,
    pub authority: &'a Account,
}

/// What a redemption did.
pub struct Redemption {
    pub quote: RedeemQuote,
    pub from_remint_credits_uakt: u64,
}

pub fn redeem(
    config: &mut Config,
    evaluation: &Evaluation,
    accounts: &MintAccounts,
    uact: u64,
) -> ProgramResult<Redemption> {
    let quote =
        quote_redeem(uact, config.params.settle_spread_bps.get(), evaluation.price, evaluation.expo).or_overflow()?;
    let credits = config.remint_credits_uakt.get();
    let from_credits = if quote.paid_uakt < credits { quote.paid_uakt } else { credits };
    config.remint_credits_uakt.set(credits - from_credits);
    config.act_outstanding_uact.set(config.act_outstanding_uact.get().checked_sub(uact).or_overflow()?);
    config.total_akt_minted.set(config.total_akt_minted.get().checked_add(quote.paid_uakt).or_overflow()?);
    config.total_act_redeemed.set(config.total_act_redeemed.get().checked_add(uact).or_overflow()?);
    if quote.paid_uakt > 0 {
        mint_akt(config, accounts, quote.paid_uakt)?;
    }
    Ok(Redemption { quote, from_remint_credits_uakt: from_credits })
}

/// MintTo signed by the mint-authority PDA.
pub fn mint_akt(config: &Config, accounts: &MintAccounts, amount: u64) -> ProgramResult {
    let bump = [config.mint_authority_bump];
    let seeds = [seed(MINT_AUTHORITY_SEED), seed(&bump)];
    token_mint_to(accounts.mint, accounts.destination, accounts.authority, amount, &Signer::new(&seeds))?;
    Ok(())
}

/// A lease's earned ACT paid out to its provider.
pub struct ProviderPayout<'a> {
    pub provider: &'a mut Provider,
    pub provider_key: &'a Pubkey,
    pub lease_key: &'a Pubkey,
    pub accounts: MintAccounts<'a>,
    pub uact: u64,
}

/// Redeems for the provider, books its totals and emits RewardsMinted (withdraw and close_lease).
pub fn pay_provider(config: &mut Config, evaluation: &Evaluation, payout: ProviderPayout) -> ProgramResult {
    let redemption = redeem(config, evaluation, &payout.accounts, payout.uact)?;
    let provider = payout.provider;
    provider.total_earned_uact.set(provider.total_earned_uact.get().checked_add(payout.uact).or_overflow()?);
    provider
        .total_minted_uakt
        .set(provider.total_minted_uakt.get().checked_add(redemption.quote.paid_uakt).or_overflow()?);
    Event::new(&event::REWARDS_MINTED)
        .key(payout.lease_key)
        .key(payout.provider_key)
        .u64(payout.uact)
        .u64(redemption.quote.paid_uakt)
        .u64(redemption.from_remint_credits_uakt)
        .i64(evaluation.price as i64)
        .i32(evaluation.expo)
        .emit();
    Ok(())
}
