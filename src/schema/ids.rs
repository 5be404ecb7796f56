//! Identities of schema objects, kept through renames so that a comparison can tell "renamed"
//! from "dropped and another added". Distinct types so that a table's id is never taken for a
//! column's.

use serde::Serialize;

/// A table's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TableId(pub u32);

/// A column's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ColumnId(pub u32);
