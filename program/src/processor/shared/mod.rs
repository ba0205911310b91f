//! Logic several instructions share: argument decoding, account checks, the mint status, lease
//! accrual, burns, redemptions and PDA creation.

pub mod args;
pub mod authority;
pub mod burn;
pub mod checks;
pub mod create;
pub mod host_uri;
pub mod lease;
pub mod migration;
pub mod redeem;
pub mod settle;
pub mod status;
