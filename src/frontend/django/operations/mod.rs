//! Django operations replayed on the model state, each turned into the DDL Django runs: one
//! handler per operation family.

mod code;
mod constraints;
mod fields;
mod indexes;
mod models;

use super::super::python::{arg, kwarg};
use super::state::State;
use super::{Cx, DjOp};
use crate::model::{Op, Span};
use ruff_python_ast::ExprCall;

/// One operation being replayed.
pub(super) struct Operation<'o> {
    pub call: &'o ExprCall,
    /// The operation class (`AddField`).
    pub kind: &'o str,
    pub at: Span,
    /// Whether it runs DDL (`state_operations` of `SeparateDatabaseAndState` do not).
    pub ddl: bool,
    /// `model_name=` (or the first argument).
    pub model_name: String,
}

impl Cx<'_> {
    /// Reads one operation: updates the state, and (when `ddl`) appends the DDL Django runs.
    /// `reverse` collects the downgrade's operations, or becomes `None` when irreversible.
    pub(super) fn operation(
        &mut self,
        state: &mut State,
        op: &DjOp,
        ddl: bool,
        out: &mut Vec<(Op, Span)>,
        reverse: &mut Option<Vec<Op>>,
    ) {
        let c = &op.call;
        let o = Operation {
            call: c,
            kind: &op.kind,
            at: op.span,
            ddl,
            model_name: self
                .s(kwarg(c, "model_name").or_else(|| arg(c, "name", 0)))
                .unwrap_or_default(),
        };
        match o.kind {
            "CreateModel" => self.create_model(state, &o, out, reverse),
            "DeleteModel" => self.delete_model(state, &o, out, reverse),
            "RenameModel" => self.rename_model(state, &o, out),
            "AlterModelTable" => self.alter_model_table(state, &o, out),
            "AddField" => self.add_field(state, &o, out, reverse),
            "RemoveField" => self.remove_field(state, &o, out),
            "AlterField" => self.alter_field(state, &o, out),
            "RenameField" => self.rename_field(state, &o, out),
            "AddIndex" | "AddIndexConcurrently" => self.add_index(state, &o, out),
            "RemoveIndex" | "RemoveIndexConcurrently" => self.remove_index(&o, out),
            "RenameIndex" => self.rename_index(&o, out),
            "AddConstraint" | "AddConstraintNotValid" => self.add_constraint(state, &o, out),
            "RemoveConstraint" => self.remove_constraint(state, &o, out),
            "ValidateConstraint" => self.validate_constraint(state, &o, out),
            "AlterUniqueTogether" | "AlterIndexTogether" => self.alter_together(state, &o, out),
            "AlterOrderWithRespectTo" => self.alter_order_with_respect_to(state, &o, out),
            "AlterModelOptions" | "AlterModelManagers" => {}
            "RunSQL" => self.run_sql_op(&o, out, reverse),
            "RunPython" => self.run_python(&o, out, reverse),
            "SeparateDatabaseAndState" => self.separate_database_and_state(state, &o, out, reverse),
            "CreateExtension" | "BtreeGinExtension" | "BtreeGistExtension" | "CITextExtension"
            | "CryptoExtension" | "HStoreExtension" | "TrigramExtension" | "UnaccentExtension"
            | "CreateCollation" | "RemoveCollation" => {
                if ddl {
                    out.push((
                        Op::Neutral {
                            what: "extension or collation".into(),
                        },
                        o.at,
                    ));
                }
            }
            other => {
                if ddl {
                    out.push((
                        Op::unmodelled(format!("operation `{other}` is not modelled")),
                        o.at,
                    ));
                }
            }
        }
    }
}
