//! The mint status (DESIGN §4): evaluated live from the clock, the price and the vault totals.

use crate::idl::{event, Error};
use crate::math::{collateral_ratio_bps, confidence_too_wide, scale_for_expo};
use crate::state::{Config, PriceFeed};
use crate::sys::log::Event;

/// IDL enum `MintStatus`.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum MintStatus {
    Healthy = 0,
    Warning = 1,
    HaltCr = 2,
    HaltOracle = 3,
}

/// A live evaluation, with the price it used.
pub struct Evaluation {
    pub status: MintStatus,
    pub collateral_ratio_bps: u64,
    /// Why the oracle halts (OracleStale or OracleInvalid) under HaltOracle.
    pub oracle_error: Error,
    pub price: u64,
    pub expo: i32,
}

pub fn evaluate(config: &Config, feed: &PriceFeed, now: i64) -> Evaluation {
    let price = feed.price.get();
    let expo = feed.expo.get();
    let params = &config.params;
    let valid = price > 0 && scale_for_expo(expo).is_some();
    let price = if valid { price as u64 } else { 0 };
    let cr = if valid {
        collateral_ratio_bps(config.remint_credits_uakt.get(), config.act_outstanding_uact.get(), price, expo)
    } else {
        0
    };
    let age = now.checked_sub(feed.publish_time.get());
    let stale = match age {
        Some(age) => age > params.max_price_age_secs.get() as i64,
        None => true,
    };
    let (status, oracle_error) = if !valid || confidence_too_wide(feed.conf.get(), price, params.max_conf_bps.get()) {
        (MintStatus::HaltOracle, Error::OracleInvalid)
    } else if stale {
        (MintStatus::HaltOracle, Error::OracleStale)
    } else if cr <= params.circuit_breaker_halt_bps.get() as u64 {
        (MintStatus::HaltCr, Error::OracleInvalid)
    } else if cr <= params.circuit_breaker_warn_bps.get() as u64 {
        (MintStatus::Warning, Error::OracleInvalid)
    } else {
        (MintStatus::Healthy, Error::OracleInvalid)
    };
    Evaluation { status, collateral_ratio_bps: cr, oracle_error, price, expo }
}

/// Stores the status; a change emits MintStatusChanged (once per instruction: callers store once).
pub fn store(config: &mut Config, evaluation: &Evaluation) {
    let previous = config.mint_status;
    let current = evaluation.status as u8;
    if previous != current {
        config.mint_status = current;
        Event::new(&event::MINT_STATUS_CHANGED).u8(previous).u8(current).u64(evaluation.collateral_ratio_bps).emit();
    }
}

/// Re-evaluates after a change of price, params or vault totals, and stores the result.
pub fn refresh(config: &mut Config, feed: &PriceFeed, now: i64) {
    let evaluation = evaluate(config, feed, now);
    store(config, &evaluation);
}

/// Burns need Healthy or Warning.
pub fn require_burnable(evaluation: &Evaluation) -> Result<(), Error> {
    match evaluation.status {
        MintStatus::Healthy | MintStatus::Warning => Ok(()),
        MintStatus::HaltCr => Err(Error::CircuitBreakerActive),
        MintStatus::HaltOracle => Err(evaluation.oracle_error),
    }
}

/// Redemptions (mints) are refused only under HaltOracle.
pub fn require_redeemable(evaluation: &Evaluation) -> Result<(), Error> {
    match evaluation.status {
        MintStatus::HaltOracle => Err(evaluation.oracle_error),
        _ => Ok(()),
    }
}
