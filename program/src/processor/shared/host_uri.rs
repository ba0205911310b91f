//! Host URI validation shared by provider registration, updates and migration.

use crate::idl::Error;
use crate::state::MAX_HOST_URI_LEN;

/// 1..=128 bytes of UTF-8 without NUL (NUL is the stored padding).
pub fn check_host_uri(uri: &[u8]) -> Result<(), Error> {
    if uri.is_empty() || uri.len() > MAX_HOST_URI_LEN || uri.contains(&0) || core::str::from_utf8(uri).is_err() {
        return Err(Error::InvalidHostUri);
    }
    Ok(())
}
