use crate::error::{OrOverflow, ProgramResult};
use crate::idl::Error;
use crate::processor::shared::args::Args;
use crate::processor::shared::checks::{
    akt_mint, mint_authority, system_program, token_account, token_program, writable,
};
use crate::processor::shared::create::{create_pda, expect_new_pda, NewAccount};
use crate::processor::shared::migration::{migrated, open_config, MigrationKind};
use crate::processor::shared::redeem::{mint_akt, MintAccounts};
use crate::state::{init, AccountType, MigrationRecord, MIGRATION_SEED};
use crate::sys::account::Input;
use crate::sys::pda::seed;
use crate::sys::sysvar::clock;

pub fn process_migrate_balance(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [payer, config_account, record_account, recipient_akt, mint, authority_pda, token, system, ..] = accounts
    else {
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
    create_pda(
        &NewAccount { payer: payer, account: record_account, space: MigrationRecord::LEN, seeds: &seeds, bump: bump },
        program_id,
    )?;
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
