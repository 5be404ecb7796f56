use super::{Group, RuleMeta, Severity, q};
use super::Breakage;
use crate::compare::{Comparison};
use crate::schema::EventKind;

pub const META: RuleMeta = RuleMeta {
    name: "remove-enum-value",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "renames or removes an enum value (or drops the enum) the previous app version \
              writes",
    help: "add the new value first, release code that writes it, migrate rows, and remove the \
           old value only when no deployed version writes it",
    doc: include_str!("../../rules/remove-enum-value.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    for before in cx.before.types.values() {
        match cx.after.types.get(&before.name) {
            Some(after) => {
                for value in before.values.iter().filter(|v| !after.values.contains(v)) {
                    let at = cx.first_event(|k| {
                        matches!(k, EventKind::EnumValueRenamed { name, from, .. }
                            if *name == before.name && from == value)
                    });
                    let Some(at) = at else { continue };
                    out.push(Breakage {
                        rule: super::Rule::RemoveEnumValue,
                        at,
                        object: format!("{}.{}", before.name, value),
                        message: format!(
                            "value '{value}' of enum {} is renamed away",
                            q(&before.name)
                        ),
                        impact: format!("writes '{value}' into enum {}", q(&before.name)),
                    });
                }
            }
            None => {
                let at = cx.first_event(
                    |k| matches!(k, EventKind::TypeDropped { name } if *name == before.name),
                );
                let Some(at) = at else { continue };
                // A type the history never created may be any kind of type.
                let (what, note) = if before.partial && before.values.is_empty() {
                    ("type", super::NEVER_CREATED)
                } else {
                    ("enum type", "")
                };
                out.push(Breakage {
                    rule: super::Rule::RemoveEnumValue,
                    at,
                    object: before.name.to_string(),
                    message: format!("{what} {} is dropped{note}", q(&before.name)),
                    impact: format!("writes values of {what} {}", q(&before.name)),
                });
            }
        }
    }
}
