use super::{layout, I64, U64};
use crate::idl::account;
use crate::sys::Pubkey;

/// Longest host URI a Provider stores.
pub const MAX_HOST_URI_LEN: usize = 128;

/// A compute provider at PDA ["provider", owner].
#[repr(C)]
pub struct Provider {
    pub owner: Pubkey,
    pub cosmos_address: [u8; 20],
    pub host_uri: [u8; MAX_HOST_URI_LEN],
    pub active: u8,
    pub bump: u8,
    pub active_leases: U64,
    pub total_earned_uact: U64,
    pub total_minted_uakt: U64,
    pub created_at: I64,
    pub reserved: [u8; 32],
}

layout!(Provider, account::PROVIDER, account::PROVIDER_LEN);

pub const PROVIDER_SEED: &[u8] = b"provider";

impl Provider {
    /// Stores a validated URI, zero-padded.
    pub fn set_host_uri(&mut self, uri: &[u8]) {
        self.host_uri = [0; MAX_HOST_URI_LEN];
        self.host_uri[..uri.len()].copy_from_slice(uri);
    }
}
