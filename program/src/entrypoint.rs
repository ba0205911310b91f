//! The raw entrypoint: parse the input, dispatch on the 8-byte Anchor discriminator, return 0 or the
//! error code (`Custom(n)` for IDL errors).

use crate::error::ProgramResult;
use crate::idl::{ix, Error};
use crate::processor::*;
use crate::sys::account::{parse, Input};
use crate::sys::log::msg;
use crate::sys::syscalls::sol_panic_;

/// # Safety
/// Called by the runtime with its serialized input buffer.
#[no_mangle]
pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 {
    // SAFETY: `input` is the runtime's buffer, as `parse` requires.
    let input = unsafe { parse(input) };
    match dispatch(&input) {
        Ok(()) => 0,
        Err(e) => e.0,
    }
}

fn dispatch(input: &Input) -> ProgramResult {
    let data = input.data;
    if data.len() < 8 {
        msg("akash_bme: instruction data shorter than a discriminator");
        return Err(Error::InvalidInstruction.into());
    }
    let mut discriminator = [0u8; 8];
    discriminator.copy_from_slice(&data[..8]);
    match u64::from_le_bytes(discriminator) {
        // Hot user paths first.
        ix::SETTLE => settle::process_settle(input),
        ix::CREATE_LEASE => create_lease::process_create_lease(input),
        ix::DEPOSIT => deposit::process_deposit(input),
        ix::WITHDRAW => withdraw::process_withdraw(input),
        ix::CLOSE_LEASE => close_lease::process_close_lease(input),
        ix::UPDATE_PRICE => update_price::process_update_price(input),
        ix::FUND_VAULT => fund_vault::process_fund_vault(input),
        ix::REGISTER_PROVIDER => register_provider::process_register_provider(input),
        ix::UPDATE_PROVIDER => update_provider::process_update_provider(input),
        // Administration.
        ix::INITIALIZE => initialize::process_initialize(input),
        ix::UPDATE_PARAMS => update_params::process_update_params(input),
        ix::PROPOSE_AUTHORITY => propose_authority::process_propose_authority(input),
        ix::ACCEPT_AUTHORITY => accept_authority::process_accept_authority(input),
        ix::SET_ORACLE_AUTHORITY => set_oracle_authority::process_set_oracle_authority(input),
        ix::SET_PAUSED => set_paused::process_set_paused(input),
        // Migration from Cosmos.
        ix::MIGRATE_PROVIDER => migrate_provider::process_migrate_provider(input),
        ix::MIGRATE_LEASE => migrate_lease::process_migrate_lease(input),
        ix::MIGRATE_BALANCE => migrate_balance::process_migrate_balance(input),
        ix::MIGRATE_VAULT => migrate_vault::process_migrate_vault(input),
        ix::FINALIZE_MIGRATION => finalize_migration::process_finalize_migration(input),
        _ => {
            msg("akash_bme: unknown instruction discriminator");
            Err(Error::InvalidInstruction.into())
        }
    }
}

/// Panics report file and line through `sol_panic_` (no formatting machinery).
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let (file, line, column) = match info.location() {
        Some(l) => (l.file(), l.line() as u64, l.column() as u64),
        None => ("?", 0, 0),
    };
    // SAFETY: the pointer and length describe the file name's bytes.
    unsafe { sol_panic_(file.as_ptr(), file.len() as u64, line, column) }
}
