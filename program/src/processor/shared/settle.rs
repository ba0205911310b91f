//! Lazy lease accrual (Akash x/escrow): what accrued since `settled_at` moves from escrow to the
//! provider's unwithdrawn balance; a shortfall becomes overdrawn debt and the lease InsufficientFunds.

use crate::error::OrOverflow;
use crate::idl::{event, Error};
use crate::math::accrue;
use crate::state::{Lease, LeaseState};
use crate::sys::log::Event;
use crate::sys::Pubkey;

/// Settles the lease up to `now`; returns the uact that accrued.
pub fn settle(lease: &mut Lease, lease_key: &Pubkey, now: i64) -> Result<u64, Error> {
    let settled_at = lease.settled_at.get();
    if now <= settled_at {
        return Ok(0);
    }
    let elapsed = now.checked_sub(settled_at).or_overflow()? as u64;
    let (due, remainder) =
        accrue(lease.rate_uact_per_hour.get(), elapsed, lease.accrual_remainder.get()).or_overflow()?;
    let escrow = lease.escrow_uact.get();
    let paid = if due < escrow { due } else { escrow };
    let shortfall = due - paid;
    lease.escrow_uact.set(escrow - paid);
    lease.unwithdrawn_uact.set(lease.unwithdrawn_uact.get().checked_add(paid).or_overflow()?);
    lease.total_paid_uact.set(lease.total_paid_uact.get().checked_add(paid).or_overflow()?);
    if shortfall > 0 {
        lease.overdrawn_uact.set(lease.overdrawn_uact.get().checked_add(shortfall).or_overflow()?);
        lease.state = LeaseState::InsufficientFunds as u8;
    }
    lease.accrual_remainder.set(remainder);
    lease.settled_at.set(now);
    Event::new(&event::LEASE_SETTLED)
        .key(lease_key)
        .u64(due)
        .u64(lease.escrow_uact.get())
        .u64(lease.unwithdrawn_uact.get())
        .u64(lease.overdrawn_uact.get())
        .u8(lease.state)
        .i64(now)
        .emit();
    Ok(due)
}
