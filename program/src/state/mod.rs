//! Account layouts: `#[repr(C)]` structs of alignment 1 (integers stored as little-endian byte
//! arrays), so that a view can be laid over the account data in place. Layouts and sizes follow the
//! IDL's borsh types exactly; `idl.rs` gives the sizes and the const asserts below hold them to it.

mod config;
mod lease;
mod migration_record;
mod price_feed;
mod provider;

pub use config::{Config, Params, CONFIG_SEED, PARAMS_LEN};
pub use lease::{Lease, LeaseState, LEASE_SEED};
pub use migration_record::{MigrationRecord, MIGRATION_SEED};
pub use price_feed::{PriceFeed, PRICE_FEED_SEED};
pub use provider::{Provider, MAX_HOST_URI_LEN, PROVIDER_SEED};

use crate::idl::Error;
use crate::sys::account::Account;
use crate::sys::{keys_eq, Pubkey};

macro_rules! le_int {
    ($name:ident, $int:ty, $n:literal) => {
        /// A little-endian integer of alignment 1.
        #[derive(Clone, Copy, Default)]
        #[repr(transparent)]
        pub struct $name([u8; $n]);

        #[allow(dead_code)] // a uniform API: not every width is written somewhere
        impl $name {
            #[inline(always)]
            pub fn get(&self) -> $int {
                <$int>::from_le_bytes(self.0)
            }

            #[inline(always)]
            pub fn set(&mut self, v: $int) {
                self.0 = v.to_le_bytes();
            }
        }
    };
}

le_int!(U16, u16, 2);
le_int!(U32, u32, 4);
le_int!(I32, i32, 4);
le_int!(U64, u64, 8);
le_int!(I64, i64, 8);

/// The account types this program owns.
///
/// # Safety
/// Implementors are `#[repr(C)]`, of alignment 1, valid for any bit pattern, and `LEN` is their size
/// plus the 8-byte discriminator.
pub unsafe trait AccountType: Sized {
    const DISCRIMINATOR: [u8; 8];
    const LEN: usize;
}

/// Compile-time check that a layout matches the IDL's size and has alignment 1.
macro_rules! layout {
    ($ty:ty, $disc:expr, $len:expr) => {
        const _: () = assert!(core::mem::size_of::<$ty>() + 8 == $len);
        const _: () = assert!(core::mem::align_of::<$ty>() == 1);
        // SAFETY: the asserts above hold the size and alignment; every field is a byte array.
        unsafe impl crate::state::AccountType for $ty {
            const DISCRIMINATOR: [u8; 8] = $disc;
            const LEN: usize = $len;
        }
    };
}
pub(crate) use layout;

/// A program account of type `T`: owned by this program and carrying `T`'s discriminator. The program
/// only ever creates each type at its PDA, so these two checks identify a genuine account.
pub fn load<'a, T: AccountType>(account: &'a Account, program_id: &Pubkey) -> Result<&'a mut T, Error> {
    if !keys_eq(account.owner(), program_id) {
        return Err(Error::InvalidAccount);
    }
    let data = account.data_mut();
    if data.len() < T::LEN || data[..8] != T::DISCRIMINATOR {
        return Err(Error::InvalidAccount);
    }
    // SAFETY: T has alignment 1, is valid for any bytes, and `data` holds at least 8 + size_of::<T>() bytes.
    Ok(unsafe { &mut *(data.as_mut_ptr().add(8) as *mut T) })
}

/// Writes the discriminator of a freshly allocated account and returns its zeroed view.
pub fn init<'a, T: AccountType>(account: &'a Account) -> Result<&'a mut T, Error> {
    let data = account.data_mut();
    if data.len() < T::LEN {
        return Err(Error::InvalidAccount);
    }
    data[..8].copy_from_slice(&T::DISCRIMINATOR);
    // SAFETY: as in `load`; a new account's data is zero, which is valid for T.
    Ok(unsafe { &mut *(data.as_mut_ptr().add(8) as *mut T) })
}
