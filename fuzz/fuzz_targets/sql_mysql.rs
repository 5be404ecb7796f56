//! The input as plain SQL migration files (`V1__fuzz.sql`, …; NUL separates files) of a
//! MySQL project, and the statement splitter on each file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rollsafe::model::Dialect;

fuzz_target!(|data: &[u8]| rollsafe_fuzz::sql(data, Dialect::Mysql));
