use super::{Group, RuleMeta, Severity, q};
use super::Breakage;
use crate::compare::{Comparison};
use crate::model::ConstraintKind;

pub const META: RuleMeta = RuleMeta {
    name: "add-foreign-key",
    group: Group::Warning,
    severity: Severity::Warning,
    summary: "adds a foreign key over columns the previous app version writes",
    help: "make sure every deployed version writes only existing references (and deletes \
           children first) before adding the key; add it `NOT VALID` and validate separately \
           to keep locks short",
    doc: include_str!("../../rules/add-foreign-key.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    super::defaulted_under(
        cx,
        ConstraintKind::ForeignKey,
        super::Rule::AddForeignKey,
        "they now reference the default, which may not exist",
        out,
    );
    for (before, after, replaced) in cx.present_tables() {
        for con in cx.new_constraints(before, after, ConstraintKind::ForeignKey) {
            // New columns that writers at `before` leave NULL never trip it (a CHECK that
            // refuses NULL is add-not-null-column's); a default they get may.
            if Comparison::only_new_nullable_columns(before, after, &con.def.columns) {
                continue;
            }
            // A row that references itself (`FOREIGN KEY (id) REFERENCES same_table (id)`)
            // always finds its parent: itself.
            if con.def.references.as_ref() == Some(&after.name)
                && con.def.ref_columns == con.def.columns
            {
                continue;
            }
            let Some(at) = cx.constraint_origin(after, &con.name, replaced) else {
                continue;
            };
            let target = con
                .def
                .references
                .as_ref()
                .map(|r| format!(" referencing {}", q(r)))
                .unwrap_or_default();
            out.push(Breakage {
                rule: super::Rule::AddForeignKey,
                at,
                object: format!("{}.{}", before.name, con.name),
                message: format!(
                    "foreign key {}{target} is added to existing table {}",
                    q(&con.name),
                    q(&before.name)
                ),
                impact: format!(
                    "may write rows into {} whose ({}) reference nothing",
                    q(&before.name),
                    con.def.columns.join(", ")
                ),
            });
        }
    }
}
