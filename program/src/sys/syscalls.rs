//! Solana syscalls used by the program. The linker turns each call into a dynamic relocation
//! against the syscall's name, which the loader resolves.

#[repr(C)]
pub struct SolBytes {
    pub addr: *const u8,
    pub len: u64,
}

extern "C" {
    pub fn sol_log_(message: *const u8, len: u64);
    pub fn sol_log_data(data: *const SolBytes, count: u64);
    pub fn sol_memcmp_(a: *const u8, b: *const u8, n: u64, result: *mut i32);
    pub fn sol_invoke_signed_c(
        instruction: *const u8,
        account_infos: *const u8,
        account_infos_len: u64,
        signers_seeds: *const u8,
        signers_seeds_len: u64,
    ) -> u64;
    pub fn sol_try_find_program_address(
        seeds: *const SolBytes,
        seeds_len: u64,
        program_id: *const u8,
        address: *mut u8,
        bump: *mut u8,
    ) -> u64;
    pub fn sol_get_clock_sysvar(clock: *mut u8) -> u64;
    pub fn sol_get_rent_sysvar(rent: *mut u8) -> u64;
    pub fn sol_panic_(file: *const u8, len: u64, line: u64, column: u64) -> !;
}
