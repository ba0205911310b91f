use super::{layout, I32, I64, U64};
use crate::idl::account;
use crate::sys::Pubkey;

/// AKT/USD price at PDA ["price_feed", akt_mint]: `price × 10^expo` USD per AKT.
#[repr(C)]
pub struct PriceFeed {
    pub akt_mint: Pubkey,
    pub price: I64,
    pub expo: I32,
    pub conf: U64,
    pub publish_time: I64,
    pub last_update_slot: U64,
    pub bump: u8,
    pub reserved: [u8; 31],
}

layout!(PriceFeed, account::PRICE_FEED, account::PRICE_FEED_LEN);

pub const PRICE_FEED_SEED: &[u8] = b"price_feed";
