use crate::error::ProgramResult;
use crate::idl::Error;
use crate::processor::shared::args::Args;
use crate::processor::shared::authority::{authority_changed, AuthorityKind};
use crate::processor::shared::checks::{authority, config};
use crate::sys::account::Input;

pub fn process_set_oracle_authority(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [admin, config_account, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let oracle = args.pubkey()?;
    args.finish()?;
    let config = config(config_account, program_id, true)?;
    authority(admin, &config.authority)?;
    let previous = config.oracle_authority;
    config.oracle_authority = oracle;
    authority_changed(AuthorityKind::Oracle, &previous, &oracle);
    Ok(())
}
