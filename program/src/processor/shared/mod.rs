//! Logic several instructions share: argument decoding, account checks, the mint status, lease
//! accrual, burns, redemptions and PDA creation.

pub mod args;
pub mod burn;
pub mod checks;
pub mod create;
pub mod redeem;
pub mod settle;
pub mod status;
