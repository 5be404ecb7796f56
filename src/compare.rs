//! `compare(before, after)`: what code written against `before` can no longer do against
//! `after`, each breakage attributed to the change that caused it.
//!
//! Lint calls it once per migration (the schema before and after it); `rollback` calls it once
//! (the schema at the target and now). Objects are matched by name, because that is how
//! application code finds them; ids and the replay's events explain *why* a name went missing
//! (dropped, renamed, moved, or the table was rebuilt without it).

use crate::model::{ConstraintKind, SqlType};
use crate::schema::{ChangeRef, Column, Event, EventKind, Schema, Table};

/// A column given another default (see [`Comparison::default_changes`]).
pub struct DefaultChange<'a> {
    pub before: &'a Table,
    pub after: &'a Table,
    /// The column at `before` and now.
    pub was: &'a Column,
    pub now: &'a Column,
    pub at: ChangeRef,
}

pub struct Comparison<'a> {
    pub before: &'a Schema,
    pub after: &'a Schema,
    pub events: &'a [Event],
}

/// What became of a table that code at `before` uses.
pub enum TableFate<'a> {
    /// Same name still there; `replaced` when it is another table (a rebuild).
    Present {
        after: &'a Table,
        replaced: Option<ChangeRef>,
    },
    Dropped(ChangeRef),
    Renamed {
        to: &'a Table,
        at: ChangeRef,
    },
    Unknown,
}

impl<'a> Comparison<'a> {
    pub fn new(before: &'a Schema, after: &'a Schema, events: &'a [Event]) -> Self {
        Comparison {
            before,
            after,
            events,
        }
    }

    pub fn first_event(&self, pred: impl Fn(&EventKind) -> bool) -> Option<ChangeRef> {
        self.events.iter().find(|e| pred(&e.kind)).map(|e| e.at)
    }

    pub fn last_event(&self, pred: impl Fn(&EventKind) -> bool) -> Option<ChangeRef> {
        self.events
            .iter()
            .rev()
            .find(|e| pred(&e.kind))
            .map(|e| e.at)
    }

    pub fn fate(&self, before: &Table) -> TableFate<'a> {
        if let Some(after) = self.after.tables.get(&before.name) {
            let replaced = if after.id == before.id {
                None
            } else {
                self.first_event(|k| match k {
                    EventKind::TableDropped { table, .. } => *table == before.id,
                    EventKind::TableRenamed { table, from, .. } => {
                        *table == before.id && *from == before.name
                    }
                    _ => false,
                })
                .or_else(|| {
                    self.first_event(
                        |k| matches!(k, EventKind::TableCreated { table } if *table == after.id),
                    )
                })
            };
            return TableFate::Present { after, replaced };
        }
        if let Some(to) = self.after.tables.values().find(|t| t.id == before.id)
            && let Some(at) = self.first_event(
                |k| matches!(k, EventKind::TableRenamed { table, .. } if *table == before.id),
            )
        {
            return TableFate::Renamed { to, at };
        }
        match self.first_event(
            |k| matches!(k, EventKind::TableDropped { table, .. } if *table == before.id),
        ) {
            Some(at) => TableFate::Dropped(at),
            None => TableFate::Unknown,
        }
    }

    /// Pairs of (table at `before`, the table with that name at `after`, replacement change).
    pub fn present_tables(&self) -> Vec<(&'a Table, &'a Table, Option<ChangeRef>)> {
        self.before
            .tables
            .values()
            .filter_map(|b| match self.fate(b) {
                TableFate::Present { after, replaced } => Some((b, after, replaced)),
                _ => None,
            })
            .collect()
    }

    /// Columns of `after` that code at `before` does not know: new by name, and not a renamed
    /// column it knew under another name.
    pub fn new_columns(&self, before: &Table, after: &'a Table, replaced: bool) -> Vec<&'a Column> {
        after
            .columns
            .iter()
            .filter(|c| before.column(&c.def.name).is_none())
            .filter(|c| replaced || before.column_by_id(c.id).is_none())
            .collect()
    }

    /// The column of `after` that code at `before` knew as `col`: same name, or the same column
    /// under a new name (the rename itself is rename-column's finding).
    pub fn same_column(
        &self,
        col: &Column,
        after: &'a Table,
        replaced: Option<ChangeRef>,
    ) -> Option<&'a Column> {
        after.column(&col.def.name).or_else(|| {
            replaced
                .is_none()
                .then(|| after.column_by_id(col.id))
                .flatten()
        })
    }

    /// When the column code at `before` knows by name is another column now (the old one was
    /// dropped or renamed away and a new one took its name), the change that added that one.
    pub fn replacement_origin(&self, col: &Column, now: &Column) -> Option<ChangeRef> {
        if now.id == col.id {
            return None;
        }
        self.last_event(|k| matches!(k, EventKind::ColumnAdded { column, .. } if *column == now.id))
    }

    /// Columns that writers at `before` may leave out and whose default is another one now
    /// (`SET DEFAULT`): the rows they insert without it used to get NULL or the old default
    /// and get the new one. A constraint over the column now checks a value it never saw.
    pub fn default_changes(&self) -> Vec<DefaultChange<'a>> {
        let mut out = Vec::new();
        for (before, after, replaced) in self.present_tables() {
            if replaced.is_some() {
                continue;
            }
            for now in &after.columns {
                let Some(was) = before.column_by_id(now.id) else {
                    continue;
                };
                let left_out = !was.def.requires_value() && !was.def.generated;
                if !left_out || now.def.default.is_none() || now.def.default == was.def.default {
                    continue;
                }
                if let Some(at) = self.last_event(
                    |k| matches!(k, EventKind::DefaultSet { column } if *column == now.id),
                ) {
                    out.push(DefaultChange {
                        before,
                        after,
                        was,
                        now,
                        at,
                    });
                }
            }
        }
        out
    }

    /// The change that made column `c` (of table `after`) what it is, preferring the most
    /// specific event.
    pub fn column_origin(
        &self,
        after: &Table,
        c: &Column,
        replaced: Option<ChangeRef>,
    ) -> Option<ChangeRef> {
        self.last_event(|k| matches!(k, EventKind::ColumnAdded { column, .. } if *column == c.id))
            .or_else(|| {
                self.last_event(
                    |k| matches!(k, EventKind::NotNullSet { column } if *column == c.id),
                )
            })
            .or_else(|| {
                self.last_event(
                    |k| matches!(k, EventKind::DefaultDropped { column } if *column == c.id),
                )
            })
            .or_else(|| {
                self.first_event(
                    |k| matches!(k, EventKind::TableCreated { table } if *table == after.id),
                )
            })
            .or(replaced)
    }

    /// Sorted column sets of the uniqueness constraints and unique indexes of a table.
    pub fn unique_keys(t: &Table) -> Vec<Vec<String>> {
        let mut keys: Vec<Vec<String>> = t
            .constraints
            .iter()
            .filter(|c| c.def.kind.is_uniqueness())
            .map(|c| sorted(&c.def.columns))
            .chain(
                t.indexes
                    .iter()
                    .filter(|i| i.unique)
                    .map(|i| sorted(&i.columns)),
            )
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }

    /// Sorted column sets of the keys that are unique over every row: primary key, unique and
    /// exclusion-free constraints and unique indexes without a `WHERE` (plain columns only).
    pub fn total_unique_keys(t: &Table) -> Vec<Vec<String>> {
        t.constraints
            .iter()
            .filter(|c| {
                matches!(
                    c.def.kind,
                    ConstraintKind::PrimaryKey | ConstraintKind::Unique
                )
            })
            .map(|c| sorted(&c.def.columns))
            .chain(
                t.indexes
                    .iter()
                    .filter(|i| i.unique && !i.partial)
                    .map(|i| sorted(&i.columns)),
            )
            .filter(|k| !k.is_empty())
            .collect()
    }

    /// Constraints of `after` of `kind` that `before` did not have (matched by kind and
    /// columns, so a renamed or re-created identical constraint is not new).
    pub fn new_constraints(
        &self,
        before: &Table,
        after: &'a Table,
        kind: ConstraintKind,
    ) -> Vec<&'a crate::schema::Constraint> {
        after
            .constraints
            .iter()
            .filter(|c| c.def.kind == kind)
            .filter(|c| {
                !before.constraints.iter().any(|b| {
                    b.def.kind == kind
                        && (b.seq == c.seq
                            || (b.name == c.name && same_definition(b, c))
                            || (sorted(&b.def.columns) == sorted(&c.def.columns)
                                && b.def.references == c.def.references
                                && kind != ConstraintKind::Check))
                })
            })
            .collect()
    }

    /// The change that added constraint or index `name` to table `after`.
    pub fn constraint_origin(
        &self,
        after: &Table,
        name: &str,
        replaced: Option<ChangeRef>,
    ) -> Option<ChangeRef> {
        // The name it was added under: follow renames back, newest first.
        let mut name = name.to_string();
        for e in self.events.iter().rev() {
            if let EventKind::ConstraintRenamed { table, from, to } = &e.kind
                && *table == after.id
                && *to == name
            {
                name = from.clone();
            }
        }
        self.last_event(|k| match k {
            EventKind::ConstraintAdded { table, name: n }
            | EventKind::IndexCreated { table, name: n } => *table == after.id && *n == name,
            _ => false,
        })
        .or_else(|| {
            self.first_event(
                |k| matches!(k, EventKind::TableCreated { table } if *table == after.id),
            )
        })
        .or(replaced)
    }

    /// Whether every column in `cols` is new since `before` and writers that omit it store
    /// NULL: then code at `before` never trips a constraint over them.
    pub fn only_new_nullable_columns(before: &Table, after: &Table, cols: &[String]) -> bool {
        !cols.is_empty()
            && cols.iter().all(|c| {
                before.column(c).is_none()
                    && after.column(c).is_some_and(|col| {
                        // A generated column is computed from what old writers write.
                        col.def.nullable && col.def.default.is_none() && !col.def.generated
                    })
            })
    }

    /// Whether every column in `cols` is new since `before` and rows that code at `before`
    /// inserts never collide over them: NULL (which never equals NULL) or a default that is
    /// different each time (`gen_random_uuid()`, a sequence, an identity).
    pub fn only_new_columns_without_collisions(
        before: &Table,
        after: &Table,
        cols: &[String],
    ) -> bool {
        !cols.is_empty()
            && cols.iter().all(|c| {
                before.column(c).is_none()
                    && after.column(c).is_some_and(|col| match &col.def.default {
                        // An identity numbers each row; a computed column repeats what the
                        // columns it reads repeat.
                        None if col.def.generated => col.def.generated_from.is_empty(),
                        None => col.def.nullable,
                        Some(d) => is_unique_default(d),
                    })
            })
    }

    /// Whether every column in `cols` is new since `before` (code at `before` never writes it).
    pub fn only_new_columns(before: &Table, cols: &[String]) -> bool {
        !cols.is_empty() && cols.iter().all(|c| before.column(c).is_none())
    }
}

/// A default that gives each row a different value.
pub fn is_unique_default(default: &str) -> bool {
    let d = default.to_lowercase();
    [
        "gen_random_uuid",
        "uuid_generate_v",
        "nextval",
        "generated identity",
    ]
    .iter()
    .any(|f| d.contains(f))
}

/// A constraint re-created under its old name is the old one only if it says the same: a check
/// with a new expression or a foreign key to other columns restricts writes anew.
fn same_definition(a: &crate::schema::Constraint, b: &crate::schema::Constraint) -> bool {
    sorted(&a.def.columns) == sorted(&b.def.columns)
        && a.def.references == b.def.references
        && a.def.ref_columns == b.def.ref_columns
        && a.def.expression == b.def.expression
}

fn sorted(cols: &[String]) -> Vec<String> {
    let mut v = cols.to_vec();
    v.sort();
    v
}

/// Whether values of type `from` all fit `to` and old code can keep reading and writing the
/// column (`varchar(50)` → `varchar(100)`, `varchar` → `text`, `int` → `bigint`).
pub fn is_widening(from: &SqlType, to: &SqlType) -> bool {
    if from == to {
        return true;
    }
    if from.is_unknown() || to.is_unknown() || from.array != to.array {
        return false;
    }
    let (f, t) = (from.base.as_str(), to.base.as_str());
    let fa = from.args.first().copied();
    let ta = to.args.first().copied();
    let at_least = |limit: Option<u32>| match (limit, ta) {
        (_, None) => true,
        (Some(a), Some(b)) => b >= a,
        (None, Some(_)) => false,
    };
    let int_rank = |b: &str| match b {
        "tinyint" => Some(1),
        "smallint" => Some(2),
        "mediumint" => Some(3),
        "integer" => Some(4),
        "bigint" => Some(5),
        _ => None,
    };
    match (f, t) {
        ("varchar", "varchar") | ("varbit", "varbit") => at_least(fa),
        // A longer `char` pads every value further (`'ab  '` reads back `'ab    '`).
        ("char", "char") => ta == fa,
        // Not from `char`: its values lose their padding (`'ab  '` reads back `'ab'`).
        ("varchar" | "text" | "tinytext", "text") | ("text", "varchar") => {
            to.args.is_empty() || f != "text"
        }
        ("numeric", "numeric") => match (from.args.as_slice(), to.args.as_slice()) {
            (_, []) => true,
            ([], _) => false,
            (fa, ta) => {
                let (fp, fs) = (fa[0], fa.get(1).copied().unwrap_or(0));
                let (tp, ts) = (ta[0], ta.get(1).copied().unwrap_or(0));
                ts >= fs && tp.saturating_sub(ts) >= fp.saturating_sub(fs)
            }
        },
        ("timestamp", "timestamp")
        | ("timestamptz", "timestamptz")
        | ("time", "time")
        | ("timetz", "timetz")
        | ("interval", "interval") => at_least(fa.or(Some(6))),
        _ => match (int_rank(f), int_rank(t)) {
            (Some(a), Some(b)) => b >= a,
            (Some(a), None) if t == "numeric" => match to.args.as_slice() {
                [] => true,
                [p] | [p, 0] => *p >= [3, 5, 8, 10, 19][a - 1],
                _ => false,
            },
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::is_widening;
    use crate::frontend::sql::postgres::normalize_type;

    fn t(name: &str, args: &[u32]) -> crate::model::SqlType {
        normalize_type(name, args.to_vec())
    }

    #[test]
    fn widenings() {
        assert!(is_widening(&t("varchar", &[50]), &t("varchar", &[100])));
        assert!(is_widening(&t("varchar", &[50]), &t("text", &[])));
        assert!(is_widening(&t("varchar", &[50]), &t("varchar", &[])));
        assert!(is_widening(&t("int", &[]), &t("bigint", &[])));
        assert!(is_widening(&t("smallint", &[]), &t("int4", &[])));
        assert!(is_widening(
            &t("numeric", &[10, 2]),
            &t("numeric", &[12, 2])
        ));
        assert!(is_widening(&t("integer", &[]), &t("numeric", &[])));
    }

    #[test]
    fn narrowings_and_changes() {
        assert!(!is_widening(&t("varchar", &[100]), &t("varchar", &[50])));
        assert!(!is_widening(&t("text", &[]), &t("varchar", &[10])));
        assert!(!is_widening(&t("bigint", &[]), &t("integer", &[])));
        assert!(!is_widening(
            &t("numeric", &[10, 2]),
            &t("numeric", &[10, 3])
        ));
        assert!(!is_widening(&t("text", &[]), &t("integer", &[])));
        assert!(!is_widening(&t("timestamp", &[]), &t("timestamptz", &[])));
        assert!(!is_widening(&t("varchar", &[10]), &t("char", &[10])));
        // Padding is dropped: 'ab  ' reads back 'ab'.
        assert!(!is_widening(&t("char", &[4]), &t("varchar", &[4])));
        assert!(!is_widening(&t("char", &[4]), &t("text", &[])));
        assert!(!is_widening(&t("char", &[4]), &t("char", &[8])));
        // Stored values read back with other digits: 0.1 becomes 0.10000000149011612.
        assert!(!is_widening(&t("real", &[]), &t("float8", &[])));
    }
}
