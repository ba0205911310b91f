use crate::error::ProgramResult;
use crate::idl::{event, Error};
use crate::processor::shared::args::Args;
use crate::processor::shared::checks::{authority, config};
use crate::sys::account::Input;
use crate::sys::log::Event;

pub fn process_set_paused(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [admin, config_account, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let paused = args.bool()?;
    args.finish()?;
    let config = config(config_account, program_id, true)?;
    authority(admin, &config.authority)?;
    config.paused = paused as u8;
    Event::new(&event::PAUSED_CHANGED).bool(paused).emit();
    Ok(())
}
