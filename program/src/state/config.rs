use super::{layout, U16, U32, U64};
use crate::idl::account;
use crate::sys::Pubkey;

/// BME parameters (IDL type `Params`).
#[derive(Clone, Copy)]
#[repr(C)]
pub struct Params {
    pub circuit_breaker_warn_bps: U16,
    pub circuit_breaker_halt_bps: U16,
    pub mint_spread_bps: U16,
    pub settle_spread_bps: U16,
    pub min_mint_uact: U64,
    pub max_price_age_secs: U32,
    pub max_conf_bps: U16,
}

/// Borsh size of `Params` in instruction data.
pub const PARAMS_LEN: usize = core::mem::size_of::<Params>();

impl Params {
    /// Reads params from instruction data (borsh layout equals the in-account layout).
    pub fn read(bytes: &[u8]) -> Option<Params> {
        if bytes.len() < PARAMS_LEN {
            return None;
        }
        // SAFETY: Params has alignment 1, is valid for any bytes, and `bytes` holds PARAMS_LEN of them.
        Some(unsafe { core::ptr::read(bytes.as_ptr() as *const Params) })
    }

    /// DESIGN §4: halt < warn, spreads ≤ 1000 bps, 1 ≤ max_price_age_secs ≤ 86,400, min_mint_uact ≥ 1,
    /// and bps values within 100%.
    pub fn is_valid(&self) -> bool {
        let warn = self.circuit_breaker_warn_bps.get();
        let halt = self.circuit_breaker_halt_bps.get();
        let age = self.max_price_age_secs.get();
        halt < warn
            && self.mint_spread_bps.get() <= 1000
            && self.settle_spread_bps.get() <= 1000
            && (1..=86_400).contains(&age)
            && self.min_mint_uact.get() >= 1
            && self.max_conf_bps.get() <= 10_000
    }

    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: Params is PARAMS_LEN plain bytes.
        unsafe { core::slice::from_raw_parts(self as *const Params as *const u8, PARAMS_LEN) }
    }
}

/// The singleton at PDA ["config"].
#[repr(C)]
pub struct Config {
    pub version: u8,
    pub bump: u8,
    pub price_feed_bump: u8,
    pub mint_authority_bump: u8,
    pub mint_status: u8,
    pub paused: u8,
    pub migration_open: u8,
    pub vault_migrated: u8,
    pub authority: Pubkey,
    pub pending_authority: Pubkey,
    pub oracle_authority: Pubkey,
    pub akt_mint: Pubkey,
    pub params: Params,
    pub remint_credits_uakt: U64,
    pub act_outstanding_uact: U64,
    pub total_akt_burned: U64,
    pub total_akt_minted: U64,
    pub total_act_credited: U64,
    pub total_act_redeemed: U64,
    pub total_act_migrated: U64,
    pub total_akt_migrated: U64,
    pub reserved: [u8; 56],
}

layout!(Config, account::CONFIG, account::CONFIG_LEN);

/// Seed of the Config PDA.
pub const CONFIG_SEED: &[u8] = b"config";
