//! Program-derived addresses.

use super::syscalls::{sol_try_find_program_address, SolBytes};
use super::Pubkey;

/// A seed for the syscalls.
#[inline(always)]
pub fn seed(bytes: &[u8]) -> SolBytes {
    SolBytes { addr: bytes.as_ptr(), len: bytes.len() as u64 }
}

/// The canonical PDA and its bump (one ~1,500 CU hash per bump tried).
pub fn find(seeds: &[SolBytes], program_id: &Pubkey) -> Option<(Pubkey, u8)> {
    let mut address = [0u8; 32];
    let mut bump = 0u8;
    // SAFETY: seeds and program_id are valid for the call; address and bump are valid out-pointers.
    let rc = unsafe {
        sol_try_find_program_address(
            seeds.as_ptr(),
            seeds.len() as u64,
            program_id.as_ptr(),
            address.as_mut_ptr(),
            &mut bump,
        )
    };
    if rc == 0 {
        Some((address, bump))
    } else {
        None
    }
}
