use crate::error::{OrOverflow, ProgramResult};
use crate::idl::{event, Error};
use crate::processor::shared::args::Args;
use crate::processor::shared::checks::{akt_mint, signer, token_account, token_program, unpaused_config_and_feed};
use crate::processor::shared::status::refresh;
use crate::sys::account::Input;
use crate::sys::cpi::token_burn;
use crate::sys::log::Event;
use crate::sys::sysvar::clock;

/// Burns AKT into remint credits (Akash MsgFundVault). Allowed under every status: it is how a
/// circuit-breaker halt is lifted.
pub fn process_fund_vault(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [funder, config_account, feed_account, funder_akt, mint, token, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let amount = args.u64()?;
    args.finish()?;

    signer(funder)?;
    token_program(token)?;
    let (config, feed) = unpaused_config_and_feed(config_account, feed_account, program_id)?;
    akt_mint(mint, config)?;
    token_account(funder_akt, &config.akt_mint, Some(funder.key()))?;
    if amount == 0 {
        return Err(Error::ZeroAmount.into());
    }
    config.remint_credits_uakt.set(config.remint_credits_uakt.get().checked_add(amount).or_overflow()?);
    config.total_akt_burned.set(config.total_akt_burned.get().checked_add(amount).or_overflow()?);
    token_burn(funder_akt, mint, funder, amount)?;
    Event::new(&event::VAULT_FUNDED).key(funder.key()).u64(amount).u64(config.remint_credits_uakt.get()).emit();
    refresh(config, feed, clock().unix_timestamp);
    Ok(())
}
