//! The AuthorityChanged event the admin-key instructions emit.

use crate::idl::event;
use crate::sys::log::Event;
use crate::sys::Pubkey;

/// IDL enum `AuthorityKind`.
#[repr(u8)]
pub enum AuthorityKind {
    Admin = 0,
    PendingAdmin = 1,
    Oracle = 2,
}

pub fn authority_changed(kind: AuthorityKind, previous: &Pubkey, current: &Pubkey) {
    Event::new(&event::AUTHORITY_CHANGED).u8(kind as u8).key(previous).key(current).emit();
}
