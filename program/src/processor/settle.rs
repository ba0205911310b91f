use crate::error::ProgramResult;
use crate::idl::Error;
use crate::processor::shared::args::Args;
use crate::processor::shared::checks::writable;
use crate::processor::shared::settle::settle;
use crate::state::{load, Lease};
use crate::sys::account::Input;
use crate::sys::sysvar::clock;

/// Anyone may settle: it only moves accrued ACT from escrow to the provider's balance.
pub fn process_settle(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [lease_account, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    Args::new(data).finish()?;
    writable(lease_account)?;
    let lease = load::<Lease>(lease_account, program_id)?;
    settle(lease, lease_account.key(), clock().unix_timestamp)?;
    Ok(())
}
