//! rollsafe: a static analyzer for database migrations that classifies every schema change as
//! expand or contract and answers whether rolling the app back is schema-compatible.
//!
//! Pipeline: [`discover`] finds files, a [`frontend`] reads each into the [`model`], the
//! [`project`] orders them into histories, [`schema`] replays them, [`compare`] (with the
//! [`rules`]) finds what breaks the previous version, [`lint`] turns that into findings and
//! [`report`] renders them. The library never prints.

pub mod app;
pub mod compare;
pub mod config;
pub mod discover;
pub mod expression;
pub mod frontend;
pub mod git;
pub mod graph;
pub mod lint;
pub mod model;
pub mod naming;
pub mod overrides;
pub mod project;
pub mod report;
pub mod rollback;
pub mod rules;
pub mod schema;
pub mod signoff;
pub mod source;
