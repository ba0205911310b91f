//! Toy program for the linker tests: rodata strings, a >128-byte memcpy, dynamic dispatch, Custom errors.
#![no_std]

extern "C" {
    fn sol_log_(message: *const u8, len: u64);
    fn sol_log_64_(a: u64, b: u64, c: u64, d: u64, e: u64);
}

fn log(message: &str) {
    // SAFETY: the syscall reads `len` bytes from a valid &str.
    unsafe { sol_log_(message.as_ptr(), message.len() as u64) }
}

trait Op {
    fn apply(&self, block: &[u8; 200]) -> u64;
}

struct Sum;
struct Xor(u8);

impl Op for Sum {
    fn apply(&self, block: &[u8; 200]) -> u64 {
        block.iter().map(|&b| b as u64).sum()
    }
}

impl Op for Xor {
    fn apply(&self, block: &[u8; 200]) -> u64 {
        block.iter().fold(self.0, |acc, &b| acc ^ b) as u64
    }
}

static OPS: [&(dyn Op + Sync); 2] = [&Sum, &Xor(0x5a)];
static GREETINGS: [&str; 2] = ["toy: hello", "toy: block"];

#[inline(never)]
fn run(data: &[u8]) -> u64 {
    match data {
        [0] => {
            log(GREETINGS[0]);
            0
        }
        [1, code] => {
            log("toy: failing on purpose");
            *code as u64
        }
        [2, op, rest @ ..] if rest.len() >= 200 && (*op as usize) < OPS.len() => {
            let mut block = [0u8; 200];
            block.copy_from_slice(&rest[..200]);
            let mut twice = [0u8; 400];
            twice[..200].copy_from_slice(&block);
            twice[200..].copy_from_slice(&block);
            let second: &[u8; 200] = twice[200..].try_into().unwrap_or(&block);
            log(GREETINGS[1]);
            let value = OPS[*op as usize].apply(second);
            // SAFETY: plain syscall with value arguments.
            unsafe { sol_log_64_(value, rest.len() as u64, 0, 0, 0) };
            0
        }
        _ => 7,
    }
}

/// # Safety
/// The runtime passes the aligned serialized input; this toy expects no accounts.
#[no_mangle]
pub unsafe extern "C" fn entrypoint(input: *const u8) -> u64 {
    // SAFETY: the loader's input starts with the account count, then (no accounts) the data length and data.
    let accounts = unsafe { *(input as *const u64) };
    if accounts != 0 {
        return 9;
    }
    let len = unsafe { *(input.add(8) as *const u64) } as usize;
    let data = unsafe { core::slice::from_raw_parts(input.add(16), len) };
    run(data)
}

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    log("toy: panic");
    loop {}
}
