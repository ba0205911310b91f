//! One module per instruction (the admin-key and migration families share one each); `shared` holds
//! what several of them use.

pub mod authority;
pub mod close_lease;
pub mod create_lease;
pub mod deposit;
pub mod fund_vault;
pub mod initialize;
pub mod migrate;
pub mod provider;
pub mod settle;
pub mod shared;
pub mod update_params;
pub mod update_price;
pub mod withdraw;
