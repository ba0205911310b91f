//! Carrying state over from Akash's Cosmos chain (DESIGN §7). Authority only, while migration is open;
//! each item can be migrated once.

use crate::error::{OrOverflow, ProgramResult};
use crate::idl::{event, Error};
use crate::processor::shared::args::Args;
use crate::processor::shared::checks::{akt_mint, authority, config, mint_authority, system_program, token_account, token_program, writable};
use crate::processor::shared::create::{create_pda, expect_new_pda, NewAccount};
use crate::processor::shared::redeem::{mint_akt, MintAccounts};
use crate::processor::provider::check_host_uri;
use crate::state::{init, load, AccountType, Config, Lease, LeaseState, MigrationRecord, Provider, LEASE_SEED, MIGRATION_SEED, PROVIDER_SEED};
use crate::sys::account::{Account, Input};
use crate::sys::log::Event;
use crate::sys::pda::seed;
use crate::sys::sysvar::clock;
use crate::sys::Pubkey;

/// IDL enum `MigrationKind`.
#[repr(u8)]
enum MigrationKind {
    Provider = 0,
    Lease = 1,
    Balance = 2,
    Vault = 3,
}

fn migrated(kind: MigrationKind, cosmos_address: &[u8; 20], account: &Pubkey) {
    Event::new(&event::MIGRATED).u8(kind as u8).bytes(cosmos_address).key(account).emit();
}

/// The authority-signed config of an open migration.
fn open_config<'a>(signer: &Account, config_account: &'a Account, program_id: &Pubkey, write: bool) -> Result<&'a mut Config, Error> {
    let config = config(config_account, program_id, write)?;
    authority(signer, &config.authority)?;
    if config.migration_open == 0 {
        return Err(Error::MigrationClosed);
    }
    Ok(config)
}

pub fn process_migrate_provider(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [payer, config_account, owner, provider_account, system, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let cosmos_address = args.cosmos_address()?;
    let host_uri = args.string()?;
    args.finish()?;
    open_config(payer, config_account, program_id, false)?;
    writable(payer)?;
    system_program(system)?;
    check_host_uri(host_uri)?;
    let seeds = [seed(PROVIDER_SEED), seed(owner.key())];
    let bump = expect_new_pda(provider_account, &seeds, program_id, Error::AlreadyMigrated)?;
    create_pda(&NewAccount { payer: payer, account: provider_account, space: Provider::LEN, seeds: &seeds, bump: bump }, program_id)?;
    let provider = init::<Provider>(provider_account)?;
    provider.owner = *owner.key();
    provider.cosmos_address = cosmos_address;
    provider.set_host_uri(host_uri);
    provider.active = 1;
    provider.bump = bump;
    provider.created_at.set(clock().unix_timestamp);
    migrated(MigrationKind::Provider, &cosmos_address, provider_account.key());
    Ok(())
}

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
    let (dseq_le, gseq_le, oseq_le) = (dseq.to_le_bytes(), gseq.to_le_bytes(), oseq.to_le_bytes());
    let seeds = [seed(LEASE_SEED), seed(tenant.key()), seed(provider_account.key()), seed(&dseq_le), seed(&gseq_le), seed(&oseq_le)];
    let bump = expect_new_pda(lease_account, &seeds, program_id, Error::AlreadyMigrated)?;
    let act = escrow.checked_add(unwithdrawn).or_overflow()?;
    config.act_outstanding_uact.set(config.act_outstanding_uact.get().checked_add(act).or_overflow()?);
    config.total_act_migrated.set(config.total_act_migrated.get().checked_add(act).or_overflow()?);
    provider.active_leases.set(provider.active_leases.get().checked_add(1).or_overflow()?);
    create_pda(&NewAccount { payer: payer, account: lease_account, space: Lease::LEN, seeds: &seeds, bump: bump }, program_id)?;
    let lease = init::<Lease>(lease_account)?;
    lease.tenant = *tenant.key();
    lease.provider = *provider_account.key();
    lease.dseq.set(dseq);
    lease.gseq.set(gseq);
    lease.oseq.set(oseq);
    lease.state = if overdrawn > 0 { LeaseState::InsufficientFunds } else { LeaseState::Active } as u8;
    lease.migrated = 1;
    lease.bump = bump;
    lease.rate_uact_per_hour.set(rate);
    lease.escrow_uact.set(escrow);
    lease.unwithdrawn_uact.set(unwithdrawn);
    lease.overdrawn_uact.set(overdrawn);
    lease.total_deposited_uact.set(act);
    lease.created_at.set(clock().unix_timestamp);
    lease.settled_at.set(settled_at);
    migrated(MigrationKind::Lease, &provider.cosmos_address, lease_account.key());
    Ok(())
}

pub fn process_migrate_balance(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [payer, config_account, record_account, recipient_akt, mint, authority_pda, token, system, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let cosmos_address = args.cosmos_address()?;
    let amount = args.u64()?;
    args.finish()?;
    let config = open_config(payer, config_account, program_id, true)?;
    writable(payer)?;
    token_program(token)?;
    system_program(system)?;
    akt_mint(mint, config)?;
    mint_authority(authority_pda, mint)?;
    token_account(recipient_akt, &config.akt_mint, None)?;
    if amount == 0 {
        return Err(Error::ZeroAmount.into());
    }
    let seeds = [seed(MIGRATION_SEED), seed(&cosmos_address)];
    let bump = expect_new_pda(record_account, &seeds, program_id, Error::AlreadyMigrated)?;
    create_pda(&NewAccount { payer: payer, account: record_account, space: MigrationRecord::LEN, seeds: &seeds, bump: bump }, program_id)?;
    let record = init::<MigrationRecord>(record_account)?;
    record.cosmos_address = cosmos_address;
    record.kind = MigrationKind::Balance as u8;
    record.bump = bump;
    record.recipient = *recipient_akt.key();
    record.amount_uakt.set(amount);
    record.migrated_at.set(clock().unix_timestamp);
    config.total_akt_migrated.set(config.total_akt_migrated.get().checked_add(amount).or_overflow()?);
    mint_akt(config, &MintAccounts { mint, destination: recipient_akt, authority: authority_pda }, amount)?;
    migrated(MigrationKind::Balance, &cosmos_address, record_account.key());
    Ok(())
}

pub fn process_migrate_vault(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [signer, config_account, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let credits = args.u64()?;
    args.finish()?;
    let config = open_config(signer, config_account, program_id, true)?;
    if config.vault_migrated != 0 {
        return Err(Error::AlreadyMigrated.into());
    }
    config.vault_migrated = 1;
    config.remint_credits_uakt.set(config.remint_credits_uakt.get().checked_add(credits).or_overflow()?);
    migrated(MigrationKind::Vault, &[0; 20], config_account.key());
    Ok(())
}

pub fn process_finalize_migration(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [signer, config_account, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    Args::new(data).finish()?;
    let config = open_config(signer, config_account, program_id, true)?;
    config.migration_open = 0;
    Event::new(&event::MIGRATION_FINALIZED).u64(config.total_act_migrated.get()).u64(config.remint_credits_uakt.get()).emit();
    Ok(())
}
