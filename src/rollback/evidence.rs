//! Evidence from the code at the target: does it name the broken object at all? A table the
//! code at the target never names (outside its migrations) is one it no longer uses, unless the
//! code builds the name at run time, which a text search cannot see.

use super::Report;
use crate::model::Framework;
use crate::project::Project;
use crate::rules::Rule;
use serde::Serialize;
use std::collections::BTreeMap;

/// What the code at the target says about a broken object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// A tracked file at the target, outside the migrations, names it as a whole word.
    Named { object: &'static str, name: String },
    /// No tracked file at the target outside the migrations names it as a whole word;
    /// `unreadable` files could not be searched.
    NeverNamed {
        object: &'static str,
        name: String,
        unreadable: usize,
    },
    /// Django: the code at the target uses its models, and its migrations are the models' state;
    /// that is the evidence, so nothing is searched.
    DjangoModels,
}

impl Evidence {
    /// Whether the search covered every file and found no mention.
    pub fn proves_unused(&self) -> bool {
        matches!(self, Evidence::NeverNamed { unreadable: 0, .. })
    }
}

/// What one search found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub named: bool,
    /// Files that could not be read (so a "never named" is not proven).
    pub unreadable: usize,
}

/// Which name the code at the target must use to be affected by a breakage of `rule` on
/// `object` (as the rule spells it: `table`, `table.column`, `type.value`): the column for what
/// reads a column, the table for what writes rows, the view, the enum value. `None` for rules
/// whose effect a name search cannot bound.
pub fn searched_name(rule: Rule, object: &str) -> Option<(&'static str, String)> {
    let last = |s: &str| s.rsplit('.').next().unwrap_or(s).to_string();
    let parent = |s: &str| s.rsplit_once('.').map(|(head, _)| last(head));
    Some(match rule {
        Rule::DropTable | Rule::RenameTable | Rule::MoveToSchema => ("table", last(object)),
        Rule::DropColumn | Rule::RenameColumn | Rule::ChangeColumnType => ("column", last(object)),
        // Writes of rows fail: code that never names the table writes none.
        Rule::AddNotNullColumn
        | Rule::SetNotNull
        | Rule::DropDefault
        | Rule::AddUnique
        | Rule::AddCheckConstraint
        | Rule::AddForeignKey => ("table", parent(object)?),
        Rule::DropView | Rule::RenameView => ("view", last(object)),
        Rule::RemoveEnumValue => match parent(object) {
            Some(_) => ("enum value", last(object)),
            None => ("type", last(object)),
        },
        _ => return None,
    })
}

/// Fills in the evidence of every breakage: Django breakages point at the models; the others
/// are searched for with `search` (a name as a whole word, case-insensitively, in the code at
/// the target), each distinct name once, a few at a time.
pub fn gather(report: &mut Report, now: &Project, search: &(dyn Fn(&str) -> Option<Found> + Sync)) {
    let mut wanted: BTreeMap<String, Option<Found>> = BTreeMap::new();
    for b in &report.breakages {
        if now.migrations[b.migration].framework == Framework::Django {
            continue;
        }
        if let Some((_, name)) = searched_name(b.breakage.rule, &b.breakage.object) {
            wanted.insert(name, None);
        }
    }
    let names: Vec<String> = wanted.keys().cloned().collect();
    let found = search_all(&names, search);
    for (name, f) in names.into_iter().zip(found) {
        wanted.insert(name, f);
    }
    for b in &mut report.breakages {
        if now.migrations[b.migration].framework == Framework::Django {
            b.evidence = Some(Evidence::DjangoModels);
            continue;
        }
        let Some((object, name)) = searched_name(b.breakage.rule, &b.breakage.object) else {
            continue;
        };
        b.evidence = wanted.get(&name).copied().flatten().map(|f| {
            if f.named {
                Evidence::Named { object, name }
            } else {
                Evidence::NeverNamed {
                    object,
                    name,
                    unreadable: f.unreadable,
                }
            }
        });
    }
}

/// Runs `search` over `names` on a few threads; results in the order of `names`.
fn search_all(
    names: &[String],
    search: &(dyn Fn(&str) -> Option<Found> + Sync),
) -> Vec<Option<Found>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8);
    let chunk = names.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = names
            .chunks(chunk)
            .map(|part| {
                let h = s.spawn(move || part.iter().map(|n| search(n)).collect::<Vec<_>>());
                (part.len(), h)
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(len, h)| h.join().unwrap_or_else(|_| vec![None; len]))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_searched_follows_what_the_old_code_does() {
        let cases = [
            (Rule::DropTable, "presence", Some(("table", "presence"))),
            (Rule::DropTable, "app.presence", Some(("table", "presence"))),
            (Rule::DropColumn, "users.email", Some(("column", "email"))),
            (Rule::SetNotNull, "app.users.note", Some(("table", "users"))),
            (
                Rule::AddForeignKey,
                "users.users_team_fk",
                Some(("table", "users")),
            ),
            (
                Rule::RemoveEnumValue,
                "mood.sad",
                Some(("enum value", "sad")),
            ),
            (Rule::OpaqueChange, "x", None),
        ];
        for (rule, object, want) in cases {
            let got = searched_name(rule, object);
            let got = got.as_ref().map(|(k, n)| (*k, n.as_str()));
            assert_eq!(got, want, "{rule} {object}");
        }
    }
}
