//! Frontends read one framework's migration files into the [`crate::model`].

pub mod sql;
