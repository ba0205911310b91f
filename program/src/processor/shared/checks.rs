//! Account checks shared by the processors. Each failure has a name (DESIGN §4, account validation).

use crate::idl::Error;
use crate::state::{load, Config, PriceFeed};
use crate::sys::account::Account;
use crate::sys::{keys_eq, Pubkey, SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID};

/// SPL Token account: mint [0..32], owner [32..64], amount [64..72], state [108] (1 = initialized).
const TOKEN_ACCOUNT_LEN: usize = 165;
const TOKEN_STATE_INITIALIZED: u8 = 1;
/// SPL Token mint: mint_authority COption [0..36], supply [36..44], decimals [44], is_initialized [45].
const MINT_LEN: usize = 82;

pub fn signer(account: &Account) -> Result<(), Error> {
    if account.is_signer() {
        Ok(())
    } else {
        Err(Error::MissingSigner)
    }
}

pub fn writable(account: &Account) -> Result<(), Error> {
    if account.is_writable() {
        Ok(())
    } else {
        Err(Error::AccountNotWritable)
    }
}

pub fn system_program(account: &Account) -> Result<(), Error> {
    if keys_eq(account.key(), &SYSTEM_PROGRAM_ID) {
        Ok(())
    } else {
        Err(Error::InvalidAccount)
    }
}

pub fn token_program(account: &Account) -> Result<(), Error> {
    if keys_eq(account.key(), &TOKEN_PROGRAM_ID) {
        Ok(())
    } else {
        Err(Error::InvalidAccount)
    }
}

/// The signer must be the stored authority.
pub fn authority(account: &Account, expected: &Pubkey) -> Result<(), Error> {
    signer(account)?;
    if keys_eq(account.key(), expected) {
        Ok(())
    } else {
        Err(Error::Unauthorized)
    }
}

/// Config, writable when the instruction changes it.
pub fn config<'a>(account: &'a Account, program_id: &Pubkey, write: bool) -> Result<&'a mut Config, Error> {
    if write {
        writable(account)?;
    }
    load::<Config>(account, program_id)
}

/// The writable config, refused while paused, and its price feed: how every gated user instruction starts.
pub fn unpaused_config_and_feed<'a>(
    config_account: &'a Account,
    feed_account: &'a Account,
    program_id: &Pubkey,
) -> Result<(&'a mut Config, &'a mut PriceFeed), Error> {
    let config = config(config_account, program_id, true)?;
    if config.paused != 0 {
        return Err(Error::Paused);
    }
    let feed = price_feed(feed_account, program_id, config)?;
    Ok((config, feed))
}

/// The price feed of the config's AKT mint.
pub fn price_feed<'a>(account: &'a Account, program_id: &Pubkey, config: &Config) -> Result<&'a mut PriceFeed, Error> {
    let feed = load::<PriceFeed>(account, program_id)?;
    if keys_eq(&feed.akt_mint, &config.akt_mint) {
        Ok(feed)
    } else {
        Err(Error::InvalidAccount)
    }
}

/// The config's AKT mint, writable (burns and mints change its supply).
pub fn akt_mint(account: &Account, config: &Config) -> Result<(), Error> {
    writable(account)?;
    if !keys_eq(account.key(), &config.akt_mint) {
        return Err(Error::InvalidMint);
    }
    if !keys_eq(account.owner(), &TOKEN_PROGRAM_ID) || account.data_len() < MINT_LEN {
        return Err(Error::InvalidMint);
    }
    Ok(())
}

/// The mint authority stored in a mint account, if any.
pub fn mint_authority_of(mint: &Account) -> Option<Pubkey> {
    let data = mint.data();
    if data.len() < MINT_LEN || data[..4] != [1, 0, 0, 0] {
        return None;
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&data[4..36]);
    Some(key)
}

/// The PDA that must sign MintTo: it is the AKT mint's authority (checked at `initialize`, and only the
/// PDA could change it), so comparing with the mint saves a ~1,500 CU re-derivation.
pub fn mint_authority(account: &Account, mint: &Account) -> Result<(), Error> {
    match mint_authority_of(mint) {
        Some(key) if keys_eq(&key, account.key()) => Ok(()),
        _ => Err(Error::InvalidAccount),
    }
}

/// A writable, initialized, unfrozen SPL Token account of `mint`, owned by `owner` when given.
pub fn token_account(account: &Account, mint: &Pubkey, owner: Option<&Pubkey>) -> Result<(), Error> {
    writable(account)?;
    if !keys_eq(account.owner(), &TOKEN_PROGRAM_ID) || account.data_len() < TOKEN_ACCOUNT_LEN {
        return Err(Error::InvalidTokenAccount);
    }
    let data = account.data();
    let mut key = [0u8; 32];
    key.copy_from_slice(&data[..32]);
    if !keys_eq(&key, mint) {
        return Err(Error::InvalidTokenAccount);
    }
    if let Some(owner) = owner {
        key.copy_from_slice(&data[32..64]);
        if !keys_eq(&key, owner) {
            return Err(Error::InvalidTokenAccount);
        }
    }
    if data[108] != TOKEN_STATE_INITIALIZED {
        return Err(Error::InvalidTokenAccount);
    }
    Ok(())
}
