//! Runtime glue: the syscalls, the serialized input, CPI, PDAs, sysvars and logging.
//! Nothing here knows about BME; processors build on it.

pub mod account;
pub mod cpi;
pub mod log;
pub mod pda;
pub mod syscalls;
pub mod sysvar;

/// A 32-byte public key.
pub type Pubkey = [u8; 32];

/// The System Program id (all zeros).
pub const SYSTEM_PROGRAM_ID: Pubkey = [0; 32];

/// SPL Token program id (TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA).
pub const TOKEN_PROGRAM_ID: Pubkey = [
    6, 221, 246, 225, 215, 101, 161, 147, 217, 203, 225, 70, 206, 235, 121, 172, 28, 180, 133, 237, 95, 91, 55, 145,
    58, 140, 245, 133, 126, 255, 0, 169,
];

/// Key equality through `sol_memcmp_` (a flat ~10 CU instead of 32 byte compares).
#[inline]
pub fn keys_eq(a: &Pubkey, b: &Pubkey) -> bool {
    let mut result: i32 = 0;
    // SAFETY: both pointers reference 32 readable bytes and `result` is a valid i32 out-pointer.
    unsafe { syscalls::sol_memcmp_(a.as_ptr(), b.as_ptr(), 32, &mut result) };
    result == 0
}

/// True for the all-zero key (used as "none").
#[inline]
pub fn is_zero_key(k: &Pubkey) -> bool {
    keys_eq(k, &SYSTEM_PROGRAM_ID)
}
