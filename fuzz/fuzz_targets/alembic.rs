//! The input as the revision files of one Alembic environment (NUL separates files).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rollsafe_fuzz::alembic(data));
