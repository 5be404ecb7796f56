use super::Breakage;
use super::{Group, RuleMeta, Severity, q};
use crate::compare::Comparison;
use crate::schema::EventKind;

pub const META: RuleMeta = RuleMeta {
    name: "drop-function",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "drops, renames or changes the arguments of a function or procedure the previous \
              app version calls",
    help: "add the new function (or overload) beside the old one, release code that calls it, \
           and drop the old one in a later release; `CREATE OR REPLACE` with the same arguments \
           keeps callers working",
    doc: include_str!("../../rules/drop-function.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    for before in cx.before.functions.values().flatten() {
        // Only the database calls a trigger function.
        if before.trigger {
            continue;
        }
        let still = cx
            .after
            .functions
            .get(&before.name)
            .is_some_and(|fs| fs.iter().any(|f| f.signature.args == before.signature.args));
        if still {
            continue;
        }
        let shown = before.display();
        let gone = cx.events.iter().find_map(|e| match &e.kind {
            EventKind::FunctionDropped { name, function }
                if *name == before.name && *function == shown =>
            {
                Some((e.at, "dropped".to_string()))
            }
            EventKind::FunctionRenamed { name, function, to }
                if *name == before.name && *function == shown =>
            {
                Some((e.at, format!("renamed to {}", q(to))))
            }
            _ => None,
        });
        let Some((at, how)) = gone else { continue };
        let kind = before.signature.kind();
        // Shown without arguments when the history never said them.
        let object = if before.assumed && before.signature.args.is_empty() {
            before.name.to_string()
        } else {
            shown
        };
        let remaining: Vec<String> = cx
            .after
            .functions
            .get(&before.name)
            .map(|fs| fs.iter().map(|f| q(f.display())).collect())
            .unwrap_or_default();
        let note = if !remaining.is_empty() {
            format!(
                "; {} remains, so calls with the old arguments fail",
                remaining.join(", ")
            )
        } else if before.assumed {
            super::NEVER_CREATED.to_string()
        } else {
            String::new()
        };
        out.push(Breakage {
            rule: super::Rule::DropFunction,
            at,
            object: object.clone(),
            message: format!("{kind} {} is {how}{note}", q(&object)),
            impact: format!("calls {kind} {}", q(&object)),
        });
    }
}
