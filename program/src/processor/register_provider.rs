use crate::error::ProgramResult;
use crate::idl::{event, Error};
use crate::processor::shared::args::Args;
use crate::processor::shared::checks::{signer, system_program, writable};
use crate::processor::shared::create::{create_pda, expect_new_pda, NewAccount};
use crate::processor::shared::host_uri::check_host_uri;
use crate::state::{init, AccountType, Provider, PROVIDER_SEED};
use crate::sys::account::Input;
use crate::sys::log::Event;
use crate::sys::pda::seed;
use crate::sys::sysvar::clock;

pub fn process_register_provider(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [owner, provider_account, system, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let host_uri = args.string()?;
    args.finish()?;
    signer(owner)?;
    writable(owner)?;
    system_program(system)?;
    check_host_uri(host_uri)?;
    let seeds = [seed(PROVIDER_SEED), seed(owner.key())];
    let bump = expect_new_pda(provider_account, &seeds, program_id, Error::AlreadyInitialized)?;
    create_pda(
        &NewAccount { payer: owner, account: provider_account, space: Provider::LEN, seeds: &seeds, bump: bump },
        program_id,
    )?;
    let provider = init::<Provider>(provider_account)?;
    provider.owner = *owner.key();
    provider.set_host_uri(host_uri);
    provider.active = 1;
    provider.bump = bump;
    provider.created_at.set(clock().unix_timestamp);
    Event::new(&event::PROVIDER_REGISTERED).key(provider_account.key()).key(owner.key()).string(host_uri).emit();
    Ok(())
}
