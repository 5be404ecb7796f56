//! The input as Django migration modules (NUL separates files; see `DJANGO_FILES` for their
//! names).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rollsafe_fuzz::django(data));
