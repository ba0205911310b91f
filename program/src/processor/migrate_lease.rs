use crate::error::{OrOverflow, ProgramResult};
use crate::idl::Error;
use crate::processor::shared::args::Args;
use crate::processor::shared::checks::{system_program, writable};
use crate::processor::shared::lease::{expect_new_lease, open_lease, LeaseId, NewLease};
use crate::processor::shared::migration::{migrated, open_config, MigrationKind};
use crate::state::{load, LeaseState, Provider};
use crate::sys::account::Input;
use crate::sys::sysvar::clock;

pub fn process_migrate_lease(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [payer, config_account, tenant, provider_account, lease_account, system, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let dseq = args.u64()?;
    let gseq = args.u32()?;
    let oseq = args.u32()?;
    let rate = args.u64()?;
    let escrow = args.u64()?;
    let unwithdrawn = args.u64()?;
    let overdrawn = args.u64()?;
    let settled_at = args.i64()?;
    args.finish()?;
    let config = open_config(payer, config_account, program_id, true)?;
    writable(payer)?;
    system_program(system)?;
    writable(provider_account)?;
    let provider = load::<Provider>(provider_account, program_id)?;
    let id = LeaseId::new(tenant, provider_account, dseq, gseq, oseq);
    let bump = expect_new_lease(&id, lease_account, program_id, Error::AlreadyMigrated)?;
    let act = escrow.checked_add(unwithdrawn).or_overflow()?;
    config.act_outstanding_uact.set(config.act_outstanding_uact.get().checked_add(act).or_overflow()?);
    config.total_act_migrated.set(config.total_act_migrated.get().checked_add(act).or_overflow()?);
    provider.active_leases.set(provider.active_leases.get().checked_add(1).or_overflow()?);
    let now = clock().unix_timestamp;
    let new = NewLease { payer, account: lease_account, id: &id, bump, rate_uact_per_hour: rate, now };
    let lease = open_lease(&new, program_id)?;
    lease.state = if overdrawn > 0 { LeaseState::InsufficientFunds } else { LeaseState::Active } as u8;
    lease.migrated = 1;
    lease.escrow_uact.set(escrow);
    lease.unwithdrawn_uact.set(unwithdrawn);
    lease.overdrawn_uact.set(overdrawn);
    lease.total_deposited_uact.set(act);
    lease.settled_at.set(settled_at);
    migrated(MigrationKind::Lease, &provider.cosmos_address, lease_account.key());
    Ok(())
}
