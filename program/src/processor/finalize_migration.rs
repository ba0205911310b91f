use crate::error::ProgramResult;
use crate::idl::{event, Error};
use crate::processor::shared::args::Args;
use crate::processor::shared::migration::open_config;
use crate::sys::account::Input;
use crate::sys::log::Event;

pub fn process_finalize_migration(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [signer, config_account, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    Args::new(data).finish()?;
    let config = open_config(signer, config_account, program_id, true)?;
    config.migration_open = 0;
    Event::new(&event::MIGRATION_FINALIZED)
        .u64(config.total_act_migrated.get())
        .u64(config.remint_credits_uakt.get())
        .emit();
    Ok(())
}
