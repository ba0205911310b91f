use crate::error::ProgramResult;
use crate::idl::{event, Error};
use crate::processor::shared::args::Args;
use crate::processor::shared::checks::{signer, writable};
use crate::processor::shared::host_uri::check_host_uri;
use crate::state::{load, Provider};
use crate::sys::account::Input;
use crate::sys::keys_eq;
use crate::sys::log::Event;

pub fn process_update_provider(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [owner, provider_account, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let host_uri = args.string()?;
    let active = args.bool()?;
    args.finish()?;
    signer(owner)?;
    writable(provider_account)?;
    let provider = load::<Provider>(provider_account, program_id)?;
    if !keys_eq(&provider.owner, owner.key()) {
        return Err(Error::Unauthorized.into());
    }
    check_host_uri(host_uri)?;
    provider.set_host_uri(host_uri);
    provider.active = active as u8;
    Event::new(&event::PROVIDER_UPDATED)
        .key(provider_account.key())
        .key(owner.key())
        .string(host_uri)
        .bool(active)
        .emit();
    Ok(())
}
