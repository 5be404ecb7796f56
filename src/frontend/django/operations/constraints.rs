//! Constraint operations, and `unique_together`/`index_together`.

use super::super::super::python::{arg, call_leaf, kwarg};
use super::super::naming::django_index_name;
use super::super::state::*;
use super::super::{Cx, check_fields};
use super::Operation;
use crate::model::{ConstraintDef, ConstraintKind, Op, QualifiedName, Span};
use ruff_python_ast::Expr;

impl Cx<'_> {
    /// `AddConstraint` and `AddConstraintNotValid`: a partial unique constraint is a unique index.
    pub(super) fn add_constraint(
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
        if let (true, Some(Expr::Call(cc))) = (
            managed,
            kwarg(c, "constraint").or_else(|| arg(c, "constraint", 1)),
        ) {
            let ms = state
                .models
                .get(&model_key(self.app, &o.model_name))
                .cloned();
            let leaf = call_leaf(cc).unwrap_or_default();
            let kind = match leaf.as_str() {
                "UniqueConstraint" => ConstraintKind::Unique,
                "CheckConstraint" => ConstraintKind::Check,
                "ExclusionConstraint" => ConstraintKind::Exclusion,
                _ => {
                    push(
                        Op::unmodelled(format!("constraint `{leaf}` is not modelled")),
                        out,
                    );
                    return;
                }
            };
            let fields = match kind {
                ConstraintKind::Check => check_fields(cc, self.text),
                _ => self.strings(kwarg(cc, "fields")),
            };
            let cols = match &ms {
                Some(ms) => self.columns_of(ms, &fields),
                None => fields,
            };
            let mut d = ConstraintDef::new(kind, cols);
            d.name = self.s(kwarg(cc, "name"));
            d.not_valid = o.kind == "AddConstraintNotValid";
            if kind == ConstraintKind::Unique && kwarg(cc, "condition").is_some() {
                // A partial unique constraint is a unique index in the database.
                let mut ix = index(&qn, d.columns.clone(), true);
                ix.name = d.name.clone();
                ix.partial = true;
                push(Op::CreateIndex(ix), out);
            } else {
                push(
                    Op::AddConstraint {
                        table: qn,
                        constraint: d,
                    },
                    out,
                );
            }
        }
    }

    /// `RemoveConstraint`.
    pub(super) fn remove_constraint(
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
        let (qn, _) = self.table(state, &o.model_name);
        if let Some(name) = self.s(kwarg(c, "name").or_else(|| arg(c, "name", 1))) {
            push(
                Op::DropConstraint {
                    table: qn,
                    name,
                    if_exists: false,
                },
                out,
            );
        }
    }

    /// `ValidateConstraint`.
    pub(super) fn validate_constraint(
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
        let (qn, _) = self.table(state, &o.model_name);
        if let Some(name) = self.s(kwarg(c, "name").or_else(|| arg(c, "name", 1))) {
            push(Op::ValidateConstraint { table: qn, name }, out);
        }
    }

    /// `AlterUniqueTogether` and `AlterIndexTogether`.
    pub(super) fn alter_together(
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
        let name = self.s(arg(c, "name", 0)).unwrap_or_default();
        let key = model_key(self.app, &name);
        let field_kw = if o.kind == "AlterUniqueTogether" {
            "unique_together"
        } else {
            "index_together"
        };
        let new = kwarg(c, field_kw)
            .or_else(|| arg(c, field_kw, 1))
            .map(|e| self.groups(e))
            .unwrap_or_default();
        let (qn, managed) = self.table(state, &name);
        if let Some(ms) = state.models.get(&key).cloned() {
            // `alter_unique_together`/`alter_index_together`: groups that go are
            // dropped (Django finds them by introspection), new ones are created
            // (`_uniq`, `_idx`).
            let unique = o.kind == "AlterUniqueTogether";
            let (suffix, current) = if unique {
                ("_uniq", &ms.unique_together)
            } else {
                ("_idx", &ms.index_together)
            };
            let mut kept = Vec::new();
            for (g, n) in current {
                if new.contains(g) {
                    kept.push((g.clone(), n.clone()));
                } else if managed {
                    let n = n.clone().unwrap_or_else(|| {
                        django_index_name(&qn.name, &self.columns_of(&ms, g), suffix)
                    });
                    push(
                        if unique {
                            Op::DropConstraint {
                                table: qn.clone(),
                                name: n,
                                if_exists: true,
                            }
                        } else {
                            Op::DropIndex {
                                name: QualifiedName::new(n),
                                if_exists: true,
                                concurrently: false,
                            }
                        },
                        out,
                    );
                }
            }
            for g in new.iter().filter(|g| !current.iter().any(|(c, _)| c == *g)) {
                let cols = self.columns_of(&ms, g);
                let n = django_index_name(&qn.name, &cols, suffix);
                if managed {
                    push(
                        if unique {
                            let mut d = ConstraintDef::new(ConstraintKind::Unique, cols);
                            d.name = Some(n.clone());
                            Op::AddConstraint {
                                table: qn.clone(),
                                constraint: d,
                            }
                        } else {
                            named_index(&qn, cols, n.clone())
                        },
                        out,
                    );
                }
                kept.push((g.clone(), Some(n)));
            }
            if let Some(m) = state.models.get_mut(&key) {
                if unique {
                    m.unique_together = kept;
                } else {
                    m.index_together = kept;
                }
            }
        }
    }
}
