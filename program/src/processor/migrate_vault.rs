use crate::error::{OrOverflow, ProgramResult};
use crate::idl::Error;
use crate::processor::shared::args::Args;
use crate::processor::shared::migration::{migrated, open_config, MigrationKind};
use crate::sys::account::Input;

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
