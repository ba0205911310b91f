use super::{layout, I64, U32, U64};
use crate::idl::account;
use crate::sys::Pubkey;

/// IDL enum `LeaseState`.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum LeaseState {
    Active = 0,
    InsufficientFunds = 1,
}

/// A compute lease at PDA ["lease", tenant, provider, dseq, gseq, oseq].
#[repr(C)]
pub struct Lease {
    pub tenant: Pubkey,
    pub provider: Pubkey,
    pub dseq: U64,
    pub gseq: U32,
    pub oseq: U32,
    pub state: u8,
    pub migrated: u8,
    pub bump: u8,
    pub rate_uact_per_hour: U64,
    pub escrow_uact: U64,
    pub unwithdrawn_uact: U64,
    pub overdrawn_uact: U64,
    pub accrual_remainder: U64,
    pub total_deposited_uact: U64,
    pub total_paid_uact: U64,
    pub created_at: I64,
    pub settled_at: I64,
    pub reserved: [u8; 32],
}

layout!(Lease, account::LEASE, account::LEASE_LEN);

pub const LEASE_SEED: &[u8] = b"lease";
