//! Program logs and Anchor-style events (`sol_log_data` of discriminator ++ borsh fields).

use super::syscalls::{sol_log_, sol_log_data, SolBytes};
use super::Pubkey;

/// Logs a message line.
#[inline(always)]
pub fn msg(text: &str) {
    // SAFETY: the pointer and length describe the string's bytes.
    unsafe { sol_log_(text.as_ptr(), text.len() as u64) };
}

/// Largest event: discriminator + 4 keys + a 128-byte string and a few integers.
const EVENT_CAPACITY: usize = 320;

/// Borsh encoder of one event into a stack buffer, emitted with `sol_log_data`.
pub struct Event {
    buf: [u8; EVENT_CAPACITY],
    len: usize,
}

impl Event {
    pub fn new(discriminator: &[u8; 8]) -> Self {
        let mut event = Event { buf: [0; EVENT_CAPACITY], len: 0 };
        event.bytes(discriminator);
        event
    }

    /// Appends raw bytes; events are sized by construction, so overflow is a program bug.
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        let end = self.len + bytes.len();
        self.buf[self.len..end].copy_from_slice(bytes);
        self.len = end;
        self
    }

    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.bytes(&[v])
    }

    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.u8(v as u8)
    }

    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }

    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }

    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }

    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }

    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }

    pub fn key(&mut self, k: &Pubkey) -> &mut Self {
        self.bytes(k)
    }

    /// Borsh string: u32 length, then the bytes.
    pub fn string(&mut self, s: &[u8]) -> &mut Self {
        self.u32(s.len() as u32).bytes(s)
    }

    pub fn emit(&self) {
        let field = SolBytes { addr: self.buf.as_ptr(), len: self.len as u64 };
        // SAFETY: one SolBytes describing `len` initialised bytes of `buf`.
        unsafe { sol_log_data(&field, 1) };
    }
}
