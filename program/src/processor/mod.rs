//! One module per instruction, each exporting `process_<name>`; `shared` holds what several use.

pub mod accept_authority;
pub mod close_lease;
pub mod create_lease;
pub mod deposit;
pub mod finalize_migration;
pub mod fund_vault;
pub mod initialize;
pub mod migrate_balance;
pub mod migrate_lease;
pub mod migrate_provider;
pub mod migrate_vault;
pub mod propose_authority;
pub mod register_provider;
pub mod set_oracle_authority;
pub mod set_paused;
pub mod settle;
pub mod shared;
pub mod update_params;
pub mod update_price;
pub mod update_provider;
pub mod withdraw;
