//! akash-bme: Akash Burn-Mint-Equilibrium on Solana, as a no_std program without external crates.
#![no_std]

mod entrypoint;
mod error;
mod idl;
mod math;
mod processor;
mod state;
mod sys;
