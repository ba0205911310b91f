//! Zero-copy views over the serialized input (aligned layout of the BPF loaders).
//!
//! Layout per account: dup marker (0xff = first occurrence, else the index of the original), then for
//! an original: is_signer, is_writable, executable, 4 padding bytes, key, owner, lamports, data_len,
//! data, 10 KiB of realloc room, padding to 8, rent_epoch. A duplicate takes 8 bytes in all.

use super::Pubkey;

/// Room the runtime leaves after each account's data for in-place growth.
const MAX_PERMITTED_DATA_INCREASE: usize = 10 * 1024;

/// Most accounts any instruction of this program takes; more are ignored.
pub const MAX_ACCOUNTS: usize = 16;

#[repr(C)]
struct Header {
    duplicate: u8,
    is_signer: u8,
    is_writable: u8,
    executable: u8,
    _padding: [u8; 4],
    key: Pubkey,
    owner: Pubkey,
    lamports: u64,
    data_len: u64,
}

const HEADER_LEN: usize = core::mem::size_of::<Header>();

/// One account of the instruction: a pointer to its header in the input buffer.
#[derive(Clone, Copy)]
pub struct Account(*mut Header);

impl Account {
    #[inline(always)]
    fn header(&self) -> &Header {
        // SAFETY: the pointer was taken from the runtime's input buffer, which outlives the instruction.
        unsafe { &*self.0 }
    }

    #[inline(always)]
    fn header_mut(&self) -> &mut Header {
        // SAFETY: as in `header`; the runtime owns the buffer for the whole instruction and nothing else
        // holds a reference across this call.
        unsafe { &mut *self.0 }
    }

    #[inline(always)]
    pub fn key(&self) -> &Pubkey {
        &self.header().key
    }

    #[inline(always)]
    pub fn owner(&self) -> &Pubkey {
        &self.header().owner
    }

    #[inline(always)]
    pub fn is_signer(&self) -> bool {
        self.header().is_signer != 0
    }

    #[inline(always)]
    pub fn is_writable(&self) -> bool {
        self.header().is_writable != 0
    }

    #[inline(always)]
    pub fn executable(&self) -> bool {
        self.header().executable != 0
    }

    #[inline(always)]
    pub fn lamports(&self) -> u64 {
        self.header().lamports
    }

    #[inline(always)]
    pub fn set_lamports(&self, lamports: u64) {
        self.header_mut().lamports = lamports;
    }

    #[inline(always)]
    pub fn data_len(&self) -> usize {
        self.header().data_len as usize
    }

    /// Shrinks the data; growth happens only through System Program CPIs.
    #[inline(always)]
    pub fn shrink_data(&self, len: usize) {
        if len < self.data_len() {
            self.header_mut().data_len = len as u64;
        }
    }

    #[inline(always)]
    pub fn assign(&self, owner: &Pubkey) {
        self.header_mut().owner = *owner;
    }

    #[inline(always)]
    pub fn data_ptr(&self) -> *mut u8 {
        // SAFETY: the data follows the header directly in the input buffer.
        unsafe { (self.0 as *mut u8).add(HEADER_LEN) }
    }

    #[inline(always)]
    pub fn data(&self) -> &[u8] {
        // SAFETY: data_len bytes follow the header; the runtime keeps data_len in sync after CPIs.
        unsafe { core::slice::from_raw_parts(self.data_ptr(), self.data_len()) }
    }

    #[inline(always)]
    pub fn data_mut(&self) -> &mut [u8] {
        // SAFETY: as in `data`; callers hold one mutable view per account at a time.
        unsafe { core::slice::from_raw_parts_mut(self.data_ptr(), self.data_len()) }
    }

    /// Raw pointers for the C CPI ABI.
    #[inline(always)]
    pub(crate) fn raw_parts(&self) -> (*const Pubkey, *mut u64, u64, *mut u8, *const Pubkey) {
        let h = self.header_mut();
        (&h.key, &mut h.lamports, h.data_len, self.data_ptr(), &h.owner)
    }
}

/// The parsed input: accounts, instruction data and this program's id.
pub struct Input {
    pub accounts: [Account; MAX_ACCOUNTS],
    pub count: usize,
    pub data: &'static [u8],
    pub program_id: &'static Pubkey,
}

impl Input {
    /// The instruction's accounts.
    #[inline(always)]
    pub fn accounts(&self) -> &[Account] {
        &self.accounts[..self.count]
    }
}

/// Parses the loader's input buffer.
///
/// # Safety
/// `input` must be the pointer the runtime passed to the entrypoint.
#[inline(always)]
pub unsafe fn parse(input: *mut u8) -> Input {
    let mut cursor = input;
    let total = *(cursor as *const u64) as usize;
    cursor = cursor.add(8);
    let mut accounts = [Account(core::ptr::null_mut()); MAX_ACCOUNTS];
    let mut i = 0;
    while i < total {
        let header = cursor as *mut Header;
        let duplicate = (*header).duplicate;
        let account = if duplicate == u8::MAX {
            let data_len = (*header).data_len as usize;
            let span = HEADER_LEN + data_len + MAX_PERMITTED_DATA_INCREASE;
            cursor = cursor.add((span + 7) & !7).add(8); // + rent_epoch
            Account(header)
        } else {
            cursor = cursor.add(8);
            if (duplicate as usize) < MAX_ACCOUNTS {
                accounts[duplicate as usize]
            } else {
                Account(core::ptr::null_mut()) // beyond what the program reads
            }
        };
        if i < MAX_ACCOUNTS {
            accounts[i] = account;
        }
        i += 1;
    }
    let data_len = *(cursor as *const u64) as usize;
    cursor = cursor.add(8);
    let data = core::slice::from_raw_parts(cursor, data_len);
    let program_id = &*(cursor.add(data_len) as *const Pubkey);
    Input { accounts, count: if total < MAX_ACCOUNTS { total } else { MAX_ACCOUNTS }, data, program_id }
}
