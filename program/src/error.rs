//! The program's failure type: an IDL error (returned as `Custom(code)`) or a raw code passed through.

pub use crate::idl::Error;
use crate::sys::cpi::CpiFailed;

/// What a processor returns on failure: the u64 the entrypoint hands back to the runtime.
pub struct ProgramError(pub u64);

pub type ProgramResult<T = ()> = Result<T, ProgramError>;

impl From<Error> for ProgramError {
    fn from(e: Error) -> Self {
        ProgramError(e as u32 as u64)
    }
}

impl From<CpiFailed> for ProgramError {
    fn from(e: CpiFailed) -> Self {
        ProgramError(e.0)
    }
}

/// `None` from checked math is an overflow.
pub trait OrOverflow<T> {
    fn or_overflow(self) -> Result<T, Error>;
}

impl<T> OrOverflow<T> for Option<T> {
    #[inline(always)]
    fn or_overflow(self) -> Result<T, Error> {
        self.ok_or(Error::MathOverflow)
    }
}
