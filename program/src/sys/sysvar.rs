//! Clock and Rent sysvars, read through their syscalls.

use super::syscalls::{sol_get_clock_sysvar, sol_get_rent_sysvar};
use crate::math::{mul_wide, narrow};

/// The fields of the Clock sysvar the program uses.
pub struct Clock {
    pub slot: u64,
    pub unix_timestamp: i64,
}

pub fn clock() -> Clock {
    let mut raw = [0u64; 5];
    // SAFETY: the Clock sysvar is 40 bytes; `raw` is 40 writable, 8-aligned bytes.
    unsafe { sol_get_clock_sysvar(raw.as_mut_ptr() as *mut u8) };
    Clock { slot: raw[0], unix_timestamp: raw[4] as i64 }
}

/// Account storage overhead the rent formula charges on top of the data.
const ACCOUNT_STORAGE_OVERHEAD: u64 = 128;

/// Lamports that make an account of `data_len` bytes rent-exempt.
///
/// The threshold is an f64 and the program has no floating point: decode it as the integer it is in
/// practice (2.0 classically, 1.0 on newer clusters), rounding any fraction up.
pub fn minimum_balance(data_len: u64) -> u64 {
    let mut raw = [0u64; 3];
    // SAFETY: the Rent sysvar is 17 bytes; `raw` is 24 writable, 8-aligned bytes.
    unsafe { sol_get_rent_sysvar(raw.as_mut_ptr() as *mut u8) };
    let per_byte_year = raw[0];
    let threshold = threshold_ceil(raw[1]);
    // saturating_mul would lower to a refused libcall: widen by hand.
    let per_year = narrow(mul_wide(ACCOUNT_STORAGE_OVERHEAD + data_len, per_byte_year)).unwrap_or(u64::MAX);
    narrow(mul_wide(per_year, threshold)).unwrap_or(u64::MAX)
}

/// ceil(x) of a non-negative f64 given by its bits, at least 1.
fn threshold_ceil(bits: u64) -> u64 {
    let exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
    if bits >> 63 == 1 || exponent < 0 {
        return 1;
    }
    if exponent > 52 {
        return u64::MAX; // absurdly large: no account could ever be exempt
    }
    let mantissa = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    let shift = 52 - exponent as u32;
    let whole = mantissa >> shift;
    if mantissa & ((1u64 << shift) - 1) != 0 {
        whole + 1
    } else {
        whole
    }
}
