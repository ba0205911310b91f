use crate::error::ProgramResult;
use crate::idl::{event, Error};
use crate::processor::shared::args::Args;
use crate::processor::shared::checks::{authority, config, price_feed};
use crate::processor::shared::status::refresh;
use crate::sys::account::Input;
use crate::sys::log::Event;
use crate::sys::sysvar::clock;

pub fn process_update_params(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [signer, config_account, feed_account, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let params = args.params()?;
    args.finish()?;
    let config = config(config_account, program_id, true)?;
    authority(signer, &config.authority)?;
    let feed = price_feed(feed_account, program_id, config)?;
    if !params.is_valid() {
        return Err(Error::InvalidParams.into());
    }
    config.params = params;
    Event::new(&event::PARAMS_UPDATED).bytes(params.as_bytes()).emit();
    refresh(config, feed, clock().unix_timestamp);
    Ok(())
}
