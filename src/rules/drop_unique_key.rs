use super::Breakage;
use super::{Group, RuleMeta, Severity, q};
use crate::compare::Comparison;
use crate::model::ConstraintKind;
use crate::schema::{ChangeRef, EventKind, Table};

pub const META: RuleMeta = RuleMeta {
    name: "drop-unique-key",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "drops or moves a primary key or unique key whose columns the previous app \
              version's upserts (`ON CONFLICT (cols)`) may target",
    help: "add the new key beside the old one, release code that targets it, and drop the old \
           key in a later release; re-creating a key on the same columns under another name is \
           fine",
    doc: include_str!("../../rules/drop-unique-key.md"),
};

/// A key as `ON CONFLICT` sees it: its column set.
struct Key<'a> {
    what: String,
    columns: Vec<String>,
    partial: bool,
    names: Vec<&'a str>,
}

/// The distinct keys of a table over plain columns: primary key, unique constraints, unique
/// indexes (a partial one only serves `ON CONFLICT (cols) WHERE …`).
fn keys(t: &Table) -> Vec<Key<'_>> {
    let mut out: Vec<Key> = Vec::new();
    let constraints = t
        .constraints
        .iter()
        .filter(|c| matches!(c.def.kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique))
        .map(|c| {
            let what = match c.def.kind {
                ConstraintKind::PrimaryKey => "primary key".to_string(),
                _ => format!("unique constraint {}", q(&c.name)),
            };
            (what, &c.def.columns, false, c.name.as_str())
        });
    let indexes = t
        .indexes
        .iter()
        .filter(|i| i.unique)
        .map(|i| (format!("unique index {}", q(&i.name)), &i.columns, i.partial, i.name.as_str()));
    for (what, cols, partial, name) in constraints.chain(indexes) {
        if cols.is_empty() || cols.iter().any(|c| t.column(c).is_none()) {
            continue;
        }
        let columns = sorted(cols);
        match out.iter_mut().find(|k| k.columns == columns) {
            Some(k) => {
                k.partial &= partial;
                k.names.push(name);
            }
            None => out.push(Key {
                what,
                columns,
                partial,
                names: vec![name],
            }),
        }
    }
    out
}

fn sorted(cols: &[String]) -> Vec<String> {
    let mut v = cols.to_vec();
    v.sort();
    v
}

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    for (before, after, replaced) in cx.present_tables() {
        let now = keys(after);
        for key in keys(before) {
            // The same columns now, followed through renames; a key whose column is gone is
            // drop-column's finding.
            let Some(cols) = key
                .columns
                .iter()
                .map(|c| {
                    let col = before.column(c)?;
                    cx.same_column(col, after, replaced)
                        .map(|n| n.def.name.clone())
                })
                .collect::<Option<Vec<String>>>()
            else {
                continue;
            };
            let cols = sorted(&cols);
            if now
                .iter()
                .any(|k| k.columns == cols && (key.partial || !k.partial))
            {
                continue;
            }
            let Some(at) = dropped_at(cx, before, after, &key, replaced) else {
                continue;
            };
            out.push(breakage(before, after, &key, at));
        }
    }
}

/// The change that dropped the key: a drop of one of its constraints or indexes, else the
/// rebuild of the table.
fn dropped_at(
    cx: &Comparison,
    before: &Table,
    after: &Table,
    key: &Key,
    replaced: Option<ChangeRef>,
) -> Option<ChangeRef> {
    let on_table = |t: &crate::schema::TableId| *t == before.id || *t == after.id;
    cx.first_event(|k| match k {
        EventKind::ConstraintDropped { table, name } | EventKind::IndexDropped { table, name } => {
            on_table(table) && key.names.contains(&name.as_str())
        }
        _ => false,
    })
    .or(replaced)
    .or_else(|| {
        cx.first_event(|k| match k {
            EventKind::ConstraintDropped { table, .. } | EventKind::IndexDropped { table, .. } => {
                on_table(table)
            }
            _ => false,
        })
    })
}

fn breakage(before: &Table, after: &Table, key: &Key, at: ChangeRef) -> Breakage {
    let cols = key.columns.join(", ");
    let object = format!("{}({cols})", before.name);
    let moved = (key.what == "primary key")
        .then(|| {
            after
                .constraints
                .iter()
                .find(|c| c.def.kind == ConstraintKind::PrimaryKey)
        })
        .flatten();
    let message = match moved {
        Some(pk) => format!(
            "the primary key of {} moves from ({cols}) to ({})",
            q(&before.name),
            pk.def.columns.join(", ")
        ),
        None => format!(
            "{} of {} on ({cols}) is dropped, and no other key covers those columns",
            key.what,
            q(&before.name)
        ),
    };
    Breakage {
        rule: super::Rule::DropUniqueKey,
        at,
        object,
        message,
        impact: format!(
            "upserts into {} with `ON CONFLICT ({cols})`, which fails without a unique key on \
             those columns (and stores duplicates it relied on being rejected)",
            q(&before.name)
        ),
    }
}
