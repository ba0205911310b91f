//! Cross-program invocation through `sol_invoke_signed_c`, and the few System and SPL Token
//! instructions the program issues.

use super::account::Account;
use super::syscalls::{sol_invoke_signed_c, SolBytes};
use super::{Pubkey, SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID};

#[repr(C)]
struct AccountMeta {
    pubkey: *const Pubkey,
    is_writable: bool,
    is_signer: bool,
}

#[repr(C)]
struct Instruction {
    program_id: *const Pubkey,
    accounts: *const AccountMeta,
    accounts_len: u64,
    data: *const u8,
    data_len: u64,
}

#[repr(C)]
struct AccountInfo {
    key: *const Pubkey,
    lamports: *mut u64,
    data_len: u64,
    data: *mut u8,
    owner: *const Pubkey,
    rent_epoch: u64,
    is_signer: bool,
    is_writable: bool,
    executable: bool,
}

/// Seeds of one PDA signer (the bump included).
#[repr(C)]
pub struct Signer<'a> {
    seeds: *const SolBytes,
    len: u64,
    _seeds: core::marker::PhantomData<&'a [SolBytes]>,
}

impl<'a> Signer<'a> {
    pub fn new(seeds: &'a [SolBytes]) -> Self {
        Signer { seeds: seeds.as_ptr(), len: seeds.len() as u64, _seeds: core::marker::PhantomData }
    }
}

/// The CPI failed; the callee's error is already in the logs and aborts the transaction.
pub struct CpiFailed(pub u64);

/// An account of a CPI with the privileges the callee gets.
pub struct Meta<'a> {
    pub account: &'a Account,
    pub writable: bool,
    pub signer: bool,
}

/// One CPI, bundled so that `invoke` stays within the backend's five-argument limit.
struct Call<'a> {
    program_id: &'a Pubkey,
    metas: &'a [Meta<'a>],
    data: &'a [u8],
    signers: &'a [Signer<'a>],
}

fn invoke(call: &Call) -> Result<(), CpiFailed> {
    let (metas, signers) = (call.metas, call.signers);
    const MAX: usize = 4;
    let mut ix_metas: [AccountMeta; MAX] =
        // SAFETY: AccountMeta is plain data (pointers and bools); every used entry is written below.
        unsafe { core::mem::zeroed() };
    // SAFETY: as above; AccountInfo is plain data.
    let mut infos: [AccountInfo; MAX] = unsafe { core::mem::zeroed() };
    let count = if metas.len() < MAX { metas.len() } else { MAX };
    let mut i = 0;
    while i < count {
        let m = &metas[i];
        let (key, lamports, data_len, data_ptr, owner) = m.account.raw_parts();
        ix_metas[i] = AccountMeta { pubkey: key, is_writable: m.writable, is_signer: m.signer };
        infos[i] = AccountInfo {
            key,
            lamports,
            data_len,
            data: data_ptr,
            owner,
            rent_epoch: 0,
            is_signer: m.account.is_signer() || m.signer,
            is_writable: m.account.is_writable(),
            executable: m.account.executable(),
        };
        i += 1;
    }
    let instruction = Instruction {
        program_id: call.program_id,
        accounts: ix_metas.as_ptr(),
        accounts_len: count as u64,
        data: call.data.as_ptr(),
        data_len: call.data.len() as u64,
    };
    // SAFETY: every pointer references memory that lives for the call: the input buffer, the stack
    // arrays above and the caller's seed slices.
    let rc = unsafe {
        sol_invoke_signed_c(
            &instruction as *const Instruction as *const u8,
            infos.as_ptr() as *const u8,
            count as u64,
            signers.as_ptr() as *const u8,
            signers.len() as u64,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(CpiFailed(rc))
    }
}

fn system_data<const N: usize>(tag: u32, tail: &[u8]) -> [u8; N] {
    let mut data = [0u8; N];
    data[..4].copy_from_slice(&tag.to_le_bytes());
    let mut i = 0;
    while i < tail.len() {
        data[4 + i] = tail[i];
        i += 1;
    }
    data
}

/// System Transfer of lamports from a signing `from`.
pub fn system_transfer(from: &Account, to: &Account, lamports: u64) -> Result<(), CpiFailed> {
    let data: [u8; 12] = system_data(2, &lamports.to_le_bytes());
    let metas =
        [Meta { account: from, writable: true, signer: true }, Meta { account: to, writable: true, signer: false }];
    invoke(&Call { program_id: &SYSTEM_PROGRAM_ID, metas: &metas, data: &data, signers: &[] })
}

/// System Allocate, signed by the PDA being allocated.
pub fn system_allocate(account: &Account, space: u64, signer: &Signer) -> Result<(), CpiFailed> {
    let data: [u8; 12] = system_data(8, &space.to_le_bytes());
    let metas = [Meta { account, writable: true, signer: true }];
    invoke(&Call { program_id: &SYSTEM_PROGRAM_ID, metas: &metas, data: &data, signers: core::slice::from_ref(signer) })
}

/// System Assign, signed by the PDA being assigned.
pub fn system_assign(account: &Account, owner: &Pubkey, signer: &Signer) -> Result<(), CpiFailed> {
    let data: [u8; 36] = system_data(1, owner);
    let metas = [Meta { account, writable: true, signer: true }];
    invoke(&Call { program_id: &SYSTEM_PROGRAM_ID, metas: &metas, data: &data, signers: core::slice::from_ref(signer) })
}

/// A System CreateAccount of a PDA funded by `payer`.
pub struct CreateAccount<'a> {
    pub payer: &'a Account,
    pub account: &'a Account,
    pub lamports: u64,
    pub space: u64,
    pub owner: &'a Pubkey,
}

pub fn system_create_account(create: &CreateAccount, signer: &Signer) -> Result<(), CpiFailed> {
    let mut tail = [0u8; 48];
    tail[..8].copy_from_slice(&create.lamports.to_le_bytes());
    tail[8..16].copy_from_slice(&create.space.to_le_bytes());
    tail[16..].copy_from_slice(create.owner);
    let data: [u8; 52] = system_data(0, &tail);
    let metas = [
        Meta { account: create.payer, writable: true, signer: true },
        Meta { account: create.account, writable: true, signer: true },
    ];
    invoke(&Call { program_id: &SYSTEM_PROGRAM_ID, metas: &metas, data: &data, signers: core::slice::from_ref(signer) })
}

fn token_amount_data(tag: u8, amount: u64) -> [u8; 9] {
    let mut data = [0u8; 9];
    data[0] = tag;
    data[1..].copy_from_slice(&amount.to_le_bytes());
    data
}

/// SPL Token Burn of `amount` from `source`, signed by its owner (a transaction signer).
pub fn token_burn(source: &Account, mint: &Account, owner: &Account, amount: u64) -> Result<(), CpiFailed> {
    let metas = [
        Meta { account: source, writable: true, signer: false },
        Meta { account: mint, writable: true, signer: false },
        Meta { account: owner, writable: false, signer: true },
    ];
    invoke(&Call { program_id: &TOKEN_PROGRAM_ID, metas: &metas, data: &token_amount_data(8, amount), signers: &[] })
}

/// SPL Token MintTo, signed by the mint-authority PDA.
pub fn token_mint_to(
    mint: &Account,
    destination: &Account,
    authority: &Account,
    amount: u64,
    signer: &Signer,
) -> Result<(), CpiFailed> {
    let metas = [
        Meta { account: mint, writable: true, signer: false },
        Meta { account: destination, writable: true, signer: false },
        Meta { account: authority, writable: false, signer: true },
    ];
    let data = token_amount_data(7, amount);
    invoke(&Call { program_id: &TOKEN_PROGRAM_ID, metas: &metas, data: &data, signers: core::slice::from_ref(signer) })
}
