//! Redeem ACT for newly minted AKT (withdraw, close_lease): remint credits are used first, the rest is
//! net new supply.

use crate::error::{OrOverflow, ProgramResult};
use crate::math::{quote_redeem, RedeemQuote};
use crate::processor::shared::status::Evaluation;
use crate::state::Config;
use crate::sys::account::Account;
use crate::sys::cpi::{token_mint_to, Signer};
use crate::sys::pda::seed;

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
