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

/// Fills in the evidence of every breakage: Django breakages point at the models; for the
/// others, `search` is given every distinct name to look for (as whole words,
/// case-insensitively, in the code at the target) and answers per name, or `None` when it
/// could not search.
pub fn gather(
    report: &mut Report,
    now: &Project,
    search: &dyn Fn(&[String]) -> Option<Vec<Found>>,
) {
    let mut names: Vec<String> = report
        .breakages
        .iter()
        .filter(|b| now.migrations[b.migration].framework != Framework::Django)
        .filter_map(|b| searched_name(b.breakage.rule, &b.breakage.object))
        .map(|(_, name)| name)
        .collect();
    names.sort();
    names.dedup();
    let found: BTreeMap<String, Found> = match search(&names) {
        Some(f) if f.len() == names.len() => names.into_iter().zip(f).collect(),
        _ => BTreeMap::new(),
    };
    for b in &mut report.breakages {
        if now.migrations[b.migration].framework == Framework::Django {
            b.evidence = Some(Evidence::DjangoModels);
            continue;
        }
        let Some((object, name)) = searched_name(b.breakage.rule, &b.breakage.object) else {
            continue;
        };
        b.evidence = found.get(&name).map(|f| {
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
