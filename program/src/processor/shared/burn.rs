//! Burn AKT for an exact amount of ACT (create_lease, deposit).

use crate::error::{OrOverflow, ProgramResult};
use crate::idl::{event, Error};
use crate::math::{quote_burn, BurnQuote};
use crate::processor::shared::status::{require_burnable, Evaluation};
use crate::state::Config;
use crate::sys::account::Account;
use crate::sys::cpi::token_burn;
use crate::sys::log::Event;
use crate::sys::Pubkey;

/// A burn of the owner's AKT for exactly `deposit_uact` into `lease`.
pub struct Burn<'a> {
    pub owner: &'a Account,
    pub source: &'a Account,
    pub mint: &'a Account,
    pub lease: &'a Pubkey,
    pub deposit_uact: u64,
    pub max_burn_uakt: u64,
}

/// Burns `ceil(...)` AKT for exactly `deposit_uact` and books it in the vault totals.
pub fn burn_for_deposit(config: &mut Config, evaluation: &Evaluation, burn: &Burn) -> ProgramResult<BurnQuote> {
    let (deposit_uact, max_burn_uakt) = (burn.deposit_uact, burn.max_burn_uakt);
    if deposit_uact == 0 {
        return Err(Error::ZeroAmount.into());
    }
    if deposit_uact < config.params.min_mint_uact.get() {
        return Err(Error::BelowMinimumMint.into());
    }
    require_burnable(evaluation)?;
    let quote = quote_burn(deposit_uact, config.params.mint_spread_bps.get(), evaluation.price, evaluation.expo)
        .or_overflow()?;
    if quote.burn_uakt > max_burn_uakt {
        return Err(Error::SlippageExceeded.into());
    }
    config.remint_credits_uakt.set(config.remint_credits_uakt.get().checked_add(quote.burn_uakt).or_overflow()?);
    config.act_outstanding_uact.set(config.act_outstanding_uact.get().checked_add(deposit_uact).or_overflow()?);
    config.total_akt_burned.set(config.total_akt_burned.get().checked_add(quote.burn_uakt).or_overflow()?);
    config.total_act_credited.set(config.total_act_credited.get().checked_add(deposit_uact).or_overflow()?);
    token_burn(burn.source, burn.mint, burn.owner, quote.burn_uakt)?;
    Event::new(&event::AKT_BURNED)
        .key(burn.owner.key())
        .key(burn.lease)
        .u64(quote.burn_uakt)
        .u64(deposit_uact)
        .u64(quote.spread_uact)
        .i64(evaluation.price as i64)
        .i32(evaluation.expo)
        .emit();
    Ok(quote)
}
