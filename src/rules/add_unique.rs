use super::{Group, RuleMeta, Severity, q};
use super::Breakage;
use crate::compare::{Comparison, is_unique_default};

pub const META: RuleMeta = RuleMeta {
    name: "add-unique",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "adds a unique constraint, unique index, primary key or exclusion constraint to an \
              existing table",
    help: "release code that never writes duplicates and clean up existing ones first; add the \
           constraint in a later release (build the index `CONCURRENTLY`, then `ADD CONSTRAINT … \
           USING INDEX`)",
    doc: include_str!("../../rules/add-unique.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    defaults_on_unique_columns(cx, out);
    for (before, after, replaced) in cx.present_tables() {
        let old_keys = Comparison::unique_keys(before);
        let mut seen: Vec<Vec<String>> = Vec::new();
        let candidates = after
            .constraints
            .iter()
            .filter(|c| c.def.kind.is_uniqueness())
            .map(|c| (c.name.as_str(), &c.def.columns, c.def.kind.describe(), c.seq))
            .chain(
                after
                    .indexes
                    .iter()
                    .filter(|i| i.unique)
                    .map(|i| (i.name.as_str(), &i.columns, "unique index", i.seq)),
            );
        for (name, cols, what, seq) in candidates {
            let mut key = cols.clone();
            key.sort();
            if old_keys.contains(&key) || seen.contains(&key) {
                continue;
            }
            // Implied: the columns already held a unique key over all rows, so no two rows
            // ever agree on them all (`UNIQUE (kind, id)` beside `PRIMARY KEY (id)`).
            if Comparison::total_unique_keys(before)
                .iter()
                .any(|k| k.iter().all(|c| key.contains(c)))
            {
                continue;
            }
            // The same key as before, renamed or over renamed columns. A key that only took
            // the name of a dropped one (a primary key dropped and added over other columns,
            // both `t_pkey`) is new.
            if before.constraints.iter().any(|c| c.seq == seq)
                || before.indexes.iter().any(|i| i.seq == seq)
            {
                continue;
            }
            if Comparison::only_new_columns_without_collisions(before, after, cols) {
                continue;
            }
            let Some(at) = cx.constraint_origin(after, name, replaced) else {
                continue;
            };
            seen.push(key);
            let cols_text = if cols.is_empty() {
                String::new()
            } else {
                format!(" ({})", cols.join(", "))
            };
            out.push(Breakage {
                rule: super::Rule::AddUnique,
                at,
                object: format!("{}.{}", before.name, name),
                message: format!(
                    "{what} {}{cols_text} is added to existing table {}",
                    q(name),
                    q(&before.name)
                ),
                impact: format!(
                    "may write rows into {} that duplicate{cols_text}",
                    q(&before.name)
                ),
            });
        }
    }
}

/// A unique key that existed already, over a column that writers at `before` leave out and
/// that now gets a constant default: the rows they insert used to differ there (NULL never
/// equals NULL; a sequence gives each row its own value) and now all share the default.
fn defaults_on_unique_columns(cx: &Comparison, out: &mut Vec<Breakage>) {
    for change in cx.default_changes() {
        let (before, after, col, at) = (change.before, change.after, change.now, change.at);
        // Rows left it out and differed there: NULL, or a default different per row.
        let differed = change
            .was
            .def
            .default
            .as_deref()
            .is_none_or(is_unique_default);
        if !differed {
            continue;
        }
        let name = &col.def.name;
        let kept = Comparison::unique_keys(after);
        let Some(key) = Comparison::unique_keys(before)
            .into_iter()
            .find(|k| k.contains(name) && kept.contains(k))
        else {
            continue;
        };
        if col.def.default.as_deref().is_some_and(is_unique_default) {
            continue;
        }
        let object = format!("{}.{}", before.name, name);
        out.push(Breakage {
            rule: super::Rule::AddUnique,
            at,
            object: object.clone(),
            message: format!(
                "column {} gets a default while a unique key covers it ({})",
                q(&object),
                key.join(", ")
            ),
            impact: format!(
                "inserts rows into {} without {}: they now share the default and collide",
                q(&before.name),
                q(name)
            ),
        });
    }
}
