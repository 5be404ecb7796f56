//! Frontends read one framework's migration files into the [`crate::model`].

pub mod alembic;
pub mod django;
pub mod python;
pub mod sql;
