use crate::error::ProgramResult;
use crate::idl::{event, Error};
use crate::math::{confidence_too_wide, scale_for_expo};
use crate::processor::shared::args::Args;
use crate::processor::shared::checks::{authority, config, price_feed, writable};
use crate::processor::shared::status::refresh;
use crate::sys::account::Input;
use crate::sys::log::Event;
use crate::sys::sysvar::clock;

/// How far ahead of the clock a publish time may be.
const MAX_PRICE_LEAD_SECS: i64 = 60;

pub fn process_update_price(input: &Input) -> ProgramResult {
    let (program_id, accounts, data) = (input.program_id, input.accounts(), input.data);
    let [oracle, config_account, feed_account, ..] = accounts else {
        return Err(Error::NotEnoughAccounts.into());
    };
    let mut args = Args::new(data);
    let price = args.i64()?;
    let expo = args.i32()?;
    let conf = args.u64()?;
    let publish_time = args.i64()?;
    args.finish()?;
    let config = config(config_account, program_id, true)?;
    authority(oracle, &config.oracle_authority)?;
    writable(feed_account)?;
    let feed = price_feed(feed_account, program_id, config)?;
    let clock = clock();
    if price <= 0
        || scale_for_expo(expo).is_none()
        || publish_time > clock.unix_timestamp.saturating_add(MAX_PRICE_LEAD_SECS)
        || confidence_too_wide(conf, price as u64, config.params.max_conf_bps.get())
    {
        return Err(Error::OracleInvalid.into());
    }
    if publish_time <= feed.publish_time.get() {
        return Err(Error::PriceNotNewer.into());
    }
    feed.price.set(price);
    feed.expo.set(expo);
    feed.conf.set(conf);
    feed.publish_time.set(publish_time);
    feed.last_update_slot.set(clock.slot);
    Event::new(&event::PRICE_UPDATED).i64(price).i32(expo).u64(conf).i64(publish_time).u64(clock.slot).emit();
    refresh(config, feed, clock.unix_timestamp);
    Ok(())
}
