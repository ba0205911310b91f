//! Checked integer arithmetic that the BPF backend can compile.
//!
//! The backend refuses every libcall, so u128 `*`, `/`, `%` (and `u64::checked_mul`, which LLVM lowers
//! through `__multi3`) are written here with 64-bit operations on 32-bit limbs. u128 addition, comparison
//! and shifts by constants compile to plain instructions and are used directly. Every function returns
//! `None` on overflow or division by zero; callers turn that into `MathOverflow`.
//!
//! This file has no dependencies so that `rustc --test` runs its edge tests natively.

const LOW32: u64 = 0xffff_ffff;

/// Basis-point denominator (100% = 10,000 bps).
pub const BPS: u64 = 10_000;

/// 10^0 ..= 10^12: the Pyth exponents the program accepts are -12..=0.
const POW10: [u64; 13] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
    100_000_000_000,
    1_000_000_000_000,
];

/// 10^(-expo) for a Pyth exponent in -12..=0.
#[inline]
pub fn scale_for_expo(expo: i32) -> Option<u64> {
    if !(-12..=0).contains(&expo) {
        return None;
    }
    Some(POW10[(0 - expo) as usize])
}

/// Full 128-bit product of two u64 (schoolbook on 32-bit limbs).
#[inline(never)]
pub fn mul_wide(a: u64, b: u64) -> u128 {
    let (a1, a0) = (a >> 32, a & LOW32);
    let (b1, b0) = (b >> 32, b & LOW32);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    // Each term is < 2^32, so the sum of three fits in 64 bits.
    let mid = (p00 >> 32) + (p01 & LOW32) + (p10 & LOW32);
    let lo = (mid << 32) | (p00 & LOW32);
    let hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    ((hi as u128) << 64) | lo as u128
}

/// The u128 as a u64 if it fits.
#[inline]
pub fn narrow(v: u128) -> Option<u64> {
    if (v >> 64) as u64 == 0 {
        Some(v as u64)
    } else {
        None
    }
}

/// Quotient and remainder of a u128 by a non-zero u64.
#[inline(never)]
pub fn div_wide(n: u128, d: u64) -> Option<(u128, u64)> {
    if d == 0 {
        return None;
    }
    let hi = (n >> 64) as u64;
    let lo = n as u64;
    if hi == 0 {
        return Some(((lo / d) as u128, lo % d));
    }
    if d <= LOW32 {
        // Schoolbook on 32-bit limbs: the running remainder is < d < 2^32, so each step fits in u64.
        let limbs = [hi >> 32, hi & LOW32, lo >> 32, lo & LOW32];
        let mut q = [0u64; 4];
        let mut r = 0u64;
        let mut i = 0;
        while i < 4 {
            let cur = (r << 32) | limbs[i];
            q[i] = cur / d;
            r = cur % d;
            i += 1;
        }
        let q_hi = (q[0] << 32) | q[1];
        let q_lo = (q[2] << 32) | q[3];
        return Some((((q_hi as u128) << 64) | q_lo as u128, r));
    }
    // Restoring binary division, one quotient bit per step (only for divisors of 2^32 and above).
    let mut n = n;
    let mut q: u128 = 0;
    let mut r: u64 = 0;
    let mut i = 0;
    while i < 128 {
        let top = (n >> 127) as u64;
        n <<= 1;
        let carry = r >> 63;
        r = (r << 1) | top;
        q <<= 1;
        if carry == 1 || r >= d {
            r = r.wrapping_sub(d);
            q |= 1;
        }
        i += 1;
    }
    Some((q, r))
}

/// floor(a × b / d), if it fits in u64.
#[inline]
pub fn mul_div_floor(a: u64, b: u64, d: u64) -> Option<u64> {
    let (q, _) = div_wide(mul_wide(a, b), d)?;
    narrow(q)
}

/// ceil(a × b / d), if it fits in u64.
#[inline]
pub fn mul_div_ceil(a: u64, b: u64, d: u64) -> Option<u64> {
    let (q, r) = div_wide(mul_wide(a, b), d)?;
    let q = narrow(q)?;
    if r == 0 {
        Some(q)
    } else {
        q.checked_add(1)
    }
}

/// uakt → uact at `price × 10^expo` USD per AKT, rounded down.
#[inline]
pub fn akt_to_uact(uakt: u64, price: u64, expo: i32) -> Option<u64> {
    mul_div_floor(uakt, price, scale_for_expo(expo)?)
}

/// uact → uakt at `price × 10^expo` USD per AKT, rounded down.
#[inline]
pub fn uact_to_akt(uact: u64, price: u64, expo: i32) -> Option<u64> {
    mul_div_floor(uact, scale_for_expo(expo)?, price)
}

/// What a burn of AKT for exactly `deposit_uact` of ACT costs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BurnQuote {
    /// AKT burned (rounded up: the protocol never under-collects).
    pub burn_uakt: u64,
    /// ACT value of the spread kept by the protocol.
    pub spread_uact: u64,
}

/// burn = ceil(ceil(deposit × 10000 / (10000 − spread)) × 10^-expo / price).
pub fn quote_burn(deposit_uact: u64, mint_spread_bps: u16, price: u64, expo: i32) -> Option<BurnQuote> {
    let keep = BPS.checked_sub(mint_spread_bps as u64)?;
    let gross_uact = mul_div_ceil(deposit_uact, BPS, keep)?;
    let burn_uakt = mul_div_ceil(gross_uact, scale_for_expo(expo)?, price)?;
    Some(BurnQuote { burn_uakt, spread_uact: gross_uact - deposit_uact })
}

/// What redeeming ACT pays out in AKT.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RedeemQuote {
    /// floor(uact × 10^-expo / price).
    pub gross_uakt: u64,
    /// gross minus the settle spread (rounded in the protocol's favour).
    pub paid_uakt: u64,
}

/// paid = gross − floor(gross × settle_spread_bps / 10000).
pub fn quote_redeem(uact: u64, settle_spread_bps: u16, price: u64, expo: i32) -> Option<RedeemQuote> {
    let gross_uakt = uact_to_akt(uact, price, expo)?;
    let fee = mul_div_floor(gross_uakt, settle_spread_bps as u64, BPS)?;
    Some(RedeemQuote { gross_uakt, paid_uakt: gross_uakt - fee })
}

/// CR in bps = akt_to_uact(remint_credits) × 10000 / act_outstanding; u64::MAX stands for infinity
/// (nothing outstanding) and for values too large to represent.
pub fn collateral_ratio_bps(remint_credits_uakt: u64, act_outstanding_uact: u64, price: u64, expo: i32) -> u64 {
    if act_outstanding_uact == 0 {
        return u64::MAX;
    }
    match akt_to_uact(remint_credits_uakt, price, expo) {
        Some(value) => mul_div_floor(value, BPS, act_outstanding_uact).unwrap_or(u64::MAX),
        None => u64::MAX,
    }
}

/// True when `conf` is wider than `max_conf_bps` of `price`: conf × 10000 > price × max_conf_bps.
pub fn confidence_too_wide(conf: u64, price: u64, max_conf_bps: u16) -> bool {
    mul_wide(conf, BPS) > mul_wide(price, max_conf_bps as u64)
}

/// Lazy accrual: (due, remainder) for `rate` uact/hour over `elapsed` seconds plus the carried remainder.
pub fn accrue(rate_uact_per_hour: u64, elapsed_secs: u64, remainder: u64) -> Option<(u64, u64)> {
    let owed = mul_wide(rate_uact_per_hour, elapsed_secs).checked_add(remainder as u128)?;
    let (due, rem) = div_wide(owed, 3600)?;
    Some((narrow(due)?, rem))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EDGES: [u64; 22] = [
        0,
        1,
        2,
        3,
        9,
        10,
        3599,
        3600,
        10_000,
        (1 << 31) - 1,
        1 << 31,
        (1 << 32) - 1,
        1 << 32,
        (1 << 32) + 1,
        1_000_000_000_000,
        (1 << 63) - 1,
        1 << 63,
        (1 << 63) + 1,
        u64::MAX - 1,
        u64::MAX,
        0x1234_5678_9abc_def0,
        0xdead_beef,
    ];

    /// xorshift64*: a reproducible stream of values with every bit pattern.
    fn rng(seed: &mut u64) -> u64 {
        *seed ^= *seed >> 12;
        *seed ^= *seed << 25;
        *seed ^= *seed >> 27;
        seed.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn sample(seed: &mut u64) -> u64 {
        let v = rng(seed);
        match v % 4 {
            0 => v,
            1 => v >> (rng(seed) % 64),
            2 => EDGES[(rng(seed) % EDGES.len() as u64) as usize],
            _ => v & 0xffff_ffff,
        }
    }

    #[test]
    fn mul_wide_matches_native_on_edges() {
        for &a in &EDGES {
            for &b in &EDGES {
                assert_eq!(mul_wide(a, b), a as u128 * b as u128, "{a} * {b}");
                assert_eq!(narrow(mul_wide(a, b)), a.checked_mul(b), "{a} * {b}");
            }
        }
    }

    #[test]
    fn div_wide_matches_native_on_edges() {
        for &a in &EDGES {
            for &b in &EDGES {
                for &d in &EDGES {
                    let n = a as u128 * b as u128 + (d as u128);
                    for &dd in &EDGES {
                        let got = div_wide(n, dd);
                        if dd == 0 {
                            assert_eq!(got, None);
                        } else {
                            assert_eq!(got, Some((n / dd as u128, (n % dd as u128) as u64)), "{n} / {dd}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn random_products_and_quotients() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2_000_000 {
            let (a, b, d) = (sample(&mut seed), sample(&mut seed), sample(&mut seed));
            let n = a as u128 * b as u128;
            assert_eq!(mul_wide(a, b), n);
            if d != 0 {
                assert_eq!(div_wide(n, d), Some((n / d as u128, (n % d as u128) as u64)), "{n} / {d}");
                let floor = n / d as u128;
                let ceil = floor + (n % d as u128 != 0) as u128;
                assert_eq!(mul_div_floor(a, b, d), u64::try_from(floor).ok());
                assert_eq!(mul_div_ceil(a, b, d), u64::try_from(ceil).ok());
            }
        }
    }

    #[test]
    fn expo_range() {
        assert_eq!(scale_for_expo(1), None);
        assert_eq!(scale_for_expo(-13), None);
        assert_eq!(scale_for_expo(0), Some(1));
        assert_eq!(scale_for_expo(-12), Some(1_000_000_000_000));
        assert_eq!(scale_for_expo(i32::MIN), None);
    }

    #[test]
    fn burn_quote_rounds_for_the_protocol() {
        // AKT at $2.00 (price 200_000_000, expo -8), 25 bps spread, deposit 5 ACT.
        let q = quote_burn(5_000_000, 25, 200_000_000, -8).unwrap();
        // gross = ceil(5e6 * 10000 / 9975) = 5_012_532; burn = ceil(5_012_532 / 2) = 2_506_266
        assert_eq!(q, BurnQuote { burn_uakt: 2_506_266, spread_uact: 12_532 });
        // Never under-collects: the burned AKT is worth at least the deposit plus the spread.
        let mut seed = 7u64;
        for _ in 0..200_000 {
            let deposit = sample(&mut seed) >> 20;
            let price = (sample(&mut seed) >> 16).max(1);
            let expo = -((rng(&mut seed) % 13) as i32);
            let spread = (rng(&mut seed) % 1001) as u16;
            if let Some(q) = quote_burn(deposit, spread, price, expo) {
                let value = mul_wide(q.burn_uakt, price);
                let scale = scale_for_expo(expo).unwrap() as u128;
                assert!(value >= (deposit as u128 + q.spread_uact as u128) * scale);
            }
        }
        assert_eq!(quote_burn(u64::MAX, 25, 1, -12), None);
        assert_eq!(quote_burn(1, 10_001, 1, 0), None);
    }

    #[test]
    fn redeem_and_ratio() {
        let r = quote_redeem(1_000_000, 0, 200_000_000, -8).unwrap();
        assert_eq!(r, RedeemQuote { gross_uakt: 500_000, paid_uakt: 500_000 });
        let r = quote_redeem(1_000_000, 30, 300_000_000, -8).unwrap();
        assert_eq!(r, RedeemQuote { gross_uakt: 333_333, paid_uakt: 333_333 - 999 });
        assert_eq!(collateral_ratio_bps(0, 0, 1, 0), u64::MAX);
        assert_eq!(collateral_ratio_bps(500_000, 1_000_000, 200_000_000, -8), 10_000);
        assert_eq!(collateral_ratio_bps(500_000, 1_000_000, 180_000_000, -8), 9_000);
        assert_eq!(collateral_ratio_bps(u64::MAX, 1, u64::MAX, 0), u64::MAX);
        assert!(confidence_too_wide(151, 10_000, 150));
        assert!(!confidence_too_wide(150, 10_000, 150));
        assert!(!confidence_too_wide(u64::MAX, u64::MAX, 10_000));
    }

    #[test]
    fn accrual_carries_the_remainder_exactly() {
        // 1 uact/hour over 1 second, 3600 times, is exactly 1 uact.
        let (mut total, mut rem) = (0u64, 0u64);
        for _ in 0..3600 {
            let (due, r) = accrue(1, 1, rem).unwrap();
            total += due;
            rem = r;
        }
        assert_eq!((total, rem), (1, 0));
        let mut seed = 3u64;
        for _ in 0..200_000 {
            let rate = sample(&mut seed);
            let (t1, t2) = (rng(&mut seed) % 10_000_000, rng(&mut seed) % 10_000_000);
            let one = accrue(rate, t1 + t2, 0);
            let two =
                accrue(rate, t1, 0).and_then(|(d1, r)| accrue(rate, t2, r).map(|(d2, r2)| (d1.checked_add(d2), r2)));
            if let (Some(a), Some((Some(b), r2))) = (one, two) {
                assert_eq!(a, (b, r2));
            }
        }
        assert_eq!(accrue(u64::MAX, u64::MAX, 0), None);
    }
}
