use crate::error::ProgramResult;
use crate::idl::Error;
use crate::processor::shared::args::Args;
use crate::processor::shared::checks::{mint_authority_of, signer, system_program, writable};
use crate::processor::shared::create::{create_pda, expect_new_pda, NewAccount};
use crate::processor::shared::redeem::MINT_AUTHORITY_SEED;
use crate::processor::shared::status::MintStatus;
use crate::state::{init, AccountType, Config, PriceFeed, CONFIG_SEED, PRICE_FEED_SEED};
use crate::sys::account::{Account, Input};
use crate::sys::pda::{find, seed};
use crate::sys::{keys_eq, Pubkey, TOKEN_PROGRAM_ID};

/// AKT has 6 decimals (uakt).
const AKT_DECIMALS: u8 = 6;

pub fn process_initialize(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [authority, config, price_feed, akt_mint, mint_authority, system, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let params = args.params()?;
    let oracle_authority = args.pubkey()?;
    args.finish()?;
    signer(authority)?;
    writable(authority)?;
    system_program(system)?;
    if !params.is_valid() {
        return Err(Error::InvalidParams.into());
    }
    let config_bump = expect_new_pda(config, &[seed(CONFIG_SEED)], program_id, Error::AlreadyInitialized)?;
    let feed_seeds = [seed(PRICE_FEED_SEED), seed(akt_mint.key())];
    let feed_bump = expect_new_pda(price_feed, &feed_seeds, program_id, Error::AlreadyInitialized)?;
    let (authority_pda, authority_bump) =
        find(&[seed(MINT_AUTHORITY_SEED)], program_id).ok_or(Error::InvalidAccount)?;
    if !keys_eq(mint_authority.key(), &authority_pda) {
        return Err(Error::InvalidAccount.into());
    }
    check_mint(akt_mint, &authority_pda)?;

    create_pda(
        &NewAccount {
            payer: authority,
            account: config,
            space: Config::LEN,
            seeds: &[seed(CONFIG_SEED)],
            bump: config_bump,
        },
        program_id,
    )?;
    create_pda(
        &NewAccount {
            payer: authority,
            account: price_feed,
            space: PriceFeed::LEN,
            seeds: &feed_seeds,
            bump: feed_bump,
        },
        program_id,
    )?;

    let state = init::<Config>(config)?;
    state.version = 1;
    state.bump = config_bump;
    state.price_feed_bump = feed_bump;
    state.mint_authority_bump = authority_bump;
    state.mint_status = MintStatus::HaltOracle as u8; // no price yet
    state.migration_open = 1;
    state.authority = *authority.key();
    state.oracle_authority = oracle_authority;
    state.akt_mint = *akt_mint.key();
    state.params = params;
    let feed = init::<PriceFeed>(price_feed)?;
    feed.akt_mint = *akt_mint.key();
    feed.bump = feed_bump;
    Ok(())
}

/// An initialized SPL mint of 6 decimals whose mint authority is the program's PDA.
fn check_mint(mint: &Account, authority_pda: &Pubkey) -> Result<(), Error> {
    let data = mint.data();
    if !keys_eq(mint.owner(), &TOKEN_PROGRAM_ID) || data.len() < 82 || data[45] != 1 || data[44] != AKT_DECIMALS {
        return Err(Error::InvalidMint);
    }
    match mint_authority_of(mint) {
        Some(key) if keys_eq(&key, authority_pda) => Ok(()),
        _ => Err(Error::InvalidMint),
    }
}
