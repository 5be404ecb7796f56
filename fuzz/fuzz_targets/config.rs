//! The input as `rollsafe.toml` and as `pyproject.toml`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rollsafe_fuzz::config(data));
