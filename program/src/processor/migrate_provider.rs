use crate::error::ProgramResult;
use crate::idl::Error;
use crate::processor::shared::args::Args;
use crate::processor::shared::checks::{system_program, writable};
use crate::processor::shared::create::{create_pda, expect_new_pda, NewAccount};
use crate::processor::shared::host_uri::check_host_uri;
use crate::processor::shared::migration::{migrated, open_config, MigrationKind};
use crate::state::{init, AccountType, Provider, PROVIDER_SEED};
use crate::sys::account::Input;
use crate::sys::pda::seed;
use crate::sys::sysvar::clock;

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
    create_pda(
        &NewAccount { payer: payer, account: provider_account, space: Provider::LEN, seeds: &seeds, bump: bump },
        program_id,
    )?;
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
