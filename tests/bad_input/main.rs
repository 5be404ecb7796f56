//! Bad input, through the real binary: every row adds one kind of bad input to a project whose
//! good migrations (SQL, Alembic and Django) each raise one known warning, and checks that
//! (1) the problem is reported with its file (and line, where there is one), (2) the exit code
//! is the README's, (3) the good migrations are still checked (their warnings are still there,
//! the file count is right), and (4) nothing panicked or printed a trace.
//!
//! Also: migrations and the Python around them are read, never executed.

#[path = "../common/mod.rs"]
mod common;
mod environment;
mod good;
mod matrix;
mod never_executed;
mod permissions;
