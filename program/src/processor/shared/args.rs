//! Borsh decoding of instruction arguments, refusing short and over-long data.

use crate::idl::Error;
use crate::state::{Params, PARAMS_LEN};
use crate::sys::Pubkey;

pub struct Args<'a> {
    data: &'a [u8],
}

impl<'a> Args<'a> {
    /// The arguments after the 8-byte discriminator.
    pub fn new(data: &'a [u8]) -> Self {
        Args { data: &data[8..] }
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        if self.data.len() < N {
            return Err(Error::InvalidInstruction);
        }
        let mut out = [0u8; N];
        out.copy_from_slice(&self.data[..N]);
        self.data = &self.data[N..];
        Ok(out)
    }

    pub fn u16(&mut self) -> Result<u16, Error> {
        Ok(u16::from_le_bytes(self.take()?))
    }

    pub fn u32(&mut self) -> Result<u32, Error> {
        Ok(u32::from_le_bytes(self.take()?))
    }

    pub fn i32(&mut self) -> Result<i32, Error> {
        Ok(i32::from_le_bytes(self.take()?))
    }

    pub fn u64(&mut self) -> Result<u64, Error> {
        Ok(u64::from_le_bytes(self.take()?))
    }

    pub fn i64(&mut self) -> Result<i64, Error> {
        Ok(i64::from_le_bytes(self.take()?))
    }

    pub fn bool(&mut self) -> Result<bool, Error> {
        match self.take::<1>()?[0] {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Error::InvalidInstruction),
        }
    }

    pub fn pubkey(&mut self) -> Result<Pubkey, Error> {
        self.take()
    }

    pub fn cosmos_address(&mut self) -> Result<[u8; 20], Error> {
        self.take()
    }

    pub fn params(&mut self) -> Result<Params, Error> {
        let params = Params::read(self.data).ok_or(Error::InvalidInstruction)?;
        self.data = &self.data[PARAMS_LEN..];
        Ok(params)
    }

    /// A borsh string (u32 length + bytes), borrowed.
    pub fn string(&mut self) -> Result<&'a [u8], Error> {
        let len = self.u32()? as usize;
        if self.data.len() < len {
            return Err(Error::InvalidInstruction);
        }
        let (s, rest) = self.data.split_at(len);
        self.data = rest;
        Ok(s)
    }

    /// Trailing bytes mean the caller built the instruction for another interface.
    pub fn finish(&self) -> Result<(), Error> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidInstruction)
        }
    }
}
