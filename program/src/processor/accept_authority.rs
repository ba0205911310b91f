use crate::error::ProgramResult;
use crate::idl::Error;
use crate::processor::shared::args::Args;
use crate::processor::shared::authority::{authority_changed, AuthorityKind};
use crate::processor::shared::checks::{config, signer};
use crate::sys::account::Input;
use crate::sys::{is_zero_key, keys_eq};

pub fn process_accept_authority(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [new_authority, config_account, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    Args::new(data).finish()?;
    let config = config(config_account, program_id, true)?;
    signer(new_authority)?;
    if is_zero_key(&config.pending_authority) || !keys_eq(&config.pending_authority, new_authority.key()) {
        return Err(Error::Unauthorized.into());
    }
    let previous = config.authority;
    config.authority = config.pending_authority;
    config.pending_authority = [0; 32];
    authority_changed(AuthorityKind::Admin, &previous, &config.authority);
    Ok(())
}
