//! Index operations.

use super::super::super::python::{arg, kwarg};
use super::super::Cx;
use super::super::state::*;
use super::Operation;
use crate::model::{Op, QualifiedName, Span};
use ruff_python_ast::Expr;

impl Cx<'_> {
    /// `AddIndex` and `AddIndexConcurrently`.
    pub(super) fn add_index(
        &mut self,
        state: &mut State,
        o: &Operation,
        out: &mut Vec<(Op, Span)>,
    ) {
        let (c, at) = (o.call, o.at);
        let push = |x: Op, out: &mut Vec<(Op, Span)>| {
            if o.ddl {
                out.push((x, at));
            }
        };
        let (qn, managed) = self.table(state, &o.model_name);
        if let (true, Some(Expr::Call(ic))) =
            (managed, kwarg(c, "index").or_else(|| arg(c, "index", 1)))
        {
            let ms = state
                .models
                .get(&model_key(self.app, &o.model_name))
                .cloned();
            let fields = self.strings(kwarg(ic, "fields"));
            let cols = match &ms {
                Some(ms) => self.columns_of(ms, &fields),
                None => fields,
            };
            let mut ix = index(&qn, cols, false);
            ix.name = self.s(kwarg(ic, "name"));
            ix.partial = kwarg(ic, "condition").is_some();
            ix.concurrently = o.kind == "AddIndexConcurrently";
            push(Op::CreateIndex(ix), out);
        }
    }

    /// `RemoveIndex` and `RemoveIndexConcurrently`.
    pub(super) fn remove_index(&mut self, o: &Operation, out: &mut Vec<(Op, Span)>) {
        let (c, at) = (o.call, o.at);
        let push = |x: Op, out: &mut Vec<(Op, Span)>| {
            if o.ddl {
                out.push((x, at));
            }
        };
        if let Some(name) = self.s(kwarg(c, "name").or_else(|| arg(c, "name", 1))) {
            push(
                Op::DropIndex {
                    name: QualifiedName::new(name),
                    if_exists: false,
                    concurrently: o.kind.ends_with("Concurrently"),
                },
                out,
            );
        }
    }

    /// `RenameIndex` (by old name).
    pub(super) fn rename_index(&mut self, o: &Operation, out: &mut Vec<(Op, Span)>) {
        let (c, at) = (o.call, o.at);
        let push = |x: Op, out: &mut Vec<(Op, Span)>| {
            if o.ddl {
                out.push((x, at));
            }
        };
        if let (Some(new), Some(old)) = (self.s(kwarg(c, "new_name")), self.s(kwarg(c, "old_name")))
        {
            push(
                Op::RenameIndex {
                    name: QualifiedName::new(old),
                    to: new,
                },
                out,
            );
        }
    }
}
