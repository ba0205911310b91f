"""pytest plugin shipped with akash-bme (entry point ``pytest11``): fixtures for downstream users."""
