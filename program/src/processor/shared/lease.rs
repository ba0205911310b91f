//! Opening a lease account at its Akash LeaseID PDA (create_lease and migrate_lease).

use crate::error::ProgramResult;
use crate::idl::Error;
use crate::processor::shared::create::{create_pda, expect_new_pda, NewAccount};
use crate::state::{init, AccountType, Lease, LEASE_SEED};
use crate::sys::account::Account;
use crate::sys::pda::seed;
use crate::sys::syscalls::SolBytes;
use crate::sys::Pubkey;

/// A lease's identity: tenant, Provider account and Akash (dseq, gseq, oseq), as PDA seeds.
pub struct LeaseId<'a> {
    pub tenant: &'a Account,
    pub provider: &'a Account,
    dseq: [u8; 8],
    gseq: [u8; 4],
    oseq: [u8; 4],
}

impl<'a> LeaseId<'a> {
    pub fn new(tenant: &'a Account, provider: &'a Account, dseq: u64, gseq: u32, oseq: u32) -> Self {
        LeaseId { tenant, provider, dseq: dseq.to_le_bytes(), gseq: gseq.to_le_bytes(), oseq: oseq.to_le_bytes() }
    }

    fn seeds(&self) -> [SolBytes; 6] {
        [
            seed(LEASE_SEED),
            seed(self.tenant.key()),
            seed(self.provider.key()),
            seed(&self.dseq),
            seed(&self.gseq),
            seed(&self.oseq),
        ]
    }
}

/// Checks that `account` is the lease's free PDA; returns its bump.
pub fn expect_new_lease(id: &LeaseId, account: &Account, program_id: &Pubkey, already: Error) -> Result<u8, Error> {
    expect_new_pda(account, &id.seeds(), program_id, already)
}

/// A lease account to create, paid by `payer`.
pub struct NewLease<'a> {
    pub payer: &'a Account,
    pub account: &'a Account,
    pub id: &'a LeaseId<'a>,
    pub bump: u8,
    pub rate_uact_per_hour: u64,
    pub now: i64,
}

/// Creates the account and writes the identity, rate and timestamps; the caller books the balances.
pub fn open_lease<'a>(new: &NewLease<'a>, program_id: &Pubkey) -> ProgramResult<&'a mut Lease> {
    let seeds = new.id.seeds();
    let account =
        NewAccount { payer: new.payer, account: new.account, space: Lease::LEN, seeds: &seeds, bump: new.bump };
    create_pda(&account, program_id)?;
    let lease = init::<Lease>(new.account)?;
    lease.tenant = *new.id.tenant.key();
    lease.provider = *new.id.provider.key();
    lease.dseq.set(u64::from_le_bytes(new.id.dseq));
    lease.gseq.set(u32::from_le_bytes(new.id.gseq));
    lease.oseq.set(u32::from_le_bytes(new.id.oseq));
    lease.bump = new.bump;
    lease.rate_uact_per_hour.set(new.rate_uact_per_hour);
    lease.created_at.set(new.now);
    lease.settled_at.set(new.now);
    Ok(lease)
}
