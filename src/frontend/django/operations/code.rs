//! Operations that run code or SQL, and `SeparateDatabaseAndState`.

use super::super::super::python::{self, arg, call_leaf, kwarg, span};
use super::super::state::*;
use super::super::{Cx, DjOp, is_noop};
use super::Operation;
use crate::model::{Op, Span};
use ruff_python_ast::Expr;
use ruff_text_size::Ranged;

impl Cx<'_> {
    /// `RunSQL`: its SQL through the SQL frontend; `reverse_sql` is the downgrade.
    pub(super) fn run_sql_op(
        &mut self,
        o: &Operation,
        out: &mut Vec<(Op, Span)>,
        reverse: &mut Option<Vec<Op>>,
    ) {
        let (c, at) = (o.call, o.at);
        let sql = arg(c, "sql", 0);
        self.run_sql(sql, at, o.ddl, out);
        let rev = kwarg(c, "reverse_sql").or_else(|| arg(c, "reverse_sql", 1));
        match rev {
            None => *reverse = None,
            Some(e) if is_noop(e) => {}
            Some(e) => {
                let mut tmp = Vec::new();
                self.run_sql(Some(e), at, true, &mut tmp);
                if let Some(r) = reverse {
                    r.extend(tmp.into_iter().map(|(o, _)| o));
                }
            }
        }
    }

    /// `RunPython`: project code.
    pub(super) fn run_python(
        &mut self,
        o: &Operation,
        out: &mut Vec<(Op, Span)>,
        reverse: &mut Option<Vec<Op>>,
    ) {
        let (c, at) = (o.call, o.at);
        let push = |x: Op, out: &mut Vec<(Op, Span)>| {
            if o.ddl {
                out.push((x, at));
            }
        };
        let code = arg(c, "code", 0);
        if !code.is_some_and(is_noop) {
            push(
                Op::dynamic(
                    "RunPython runs project code: its effect on the schema and data cannot be seen statically",
                ),
                out,
            );
        }
        let rev = kwarg(c, "reverse_code").or_else(|| arg(c, "reverse_code", 1));
        if rev.is_none() {
            *reverse = None;
        }
    }

    /// `SeparateDatabaseAndState`: only `database_operations` touch the database; the state follows `state_operations`.
    pub(super) fn separate_database_and_state(
        &mut self,
        state: &mut State,
        o: &Operation,
        out: &mut Vec<(Op, Span)>,
        reverse: &mut Option<Vec<Op>>,
    ) {
        let c = o.call;
        let list = |k: &str, pos: usize| -> Vec<DjOp> {
            match kwarg(c, k).or_else(|| arg(c, k, pos)) {
                Some(Expr::List(l)) => l
                    .elts
                    .iter()
                    .filter_map(|e| match e {
                        Expr::Call(cc) => Some(DjOp {
                            span: span(cc.range()),
                            kind: call_leaf(cc).unwrap_or_default(),
                            call: Box::new(cc.clone()),
                        }),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            }
        };
        // Only database_operations touch the database; the state follows
        // state_operations (Django applies them to the state instead).
        let db = list("database_operations", 0);
        let st = list("state_operations", 1);
        let mut scratch = State {
            models: state.models.clone(),
        };
        for d in &db {
            let mut inner = Vec::new();
            self.operation(&mut scratch, d, o.ddl, &mut inner, reverse);
            out.extend(inner);
        }
        for s in &st {
            let mut ignored = Vec::new();
            self.operation(state, s, false, &mut ignored, &mut None);
        }
        if st.is_empty() {
            *state = scratch;
        }
    }

    pub(crate) fn run_sql(
        &mut self,
        sql: Option<&Expr>,
        at: Span,
        ddl: bool,
        out: &mut Vec<(Op, Span)>,
    ) {
        let Some(sql) = sql else { return };
        let items: Vec<&Expr> = match sql {
            Expr::List(l) => l.elts.iter().collect(),
            Expr::Tuple(t) => t.elts.iter().collect(),
            other => vec![other],
        };
        for item in items {
            // `(sql, params)` pairs: `%s` placeholders become `$1` (same length, so spans hold).
            let (item, params) = match item {
                Expr::Tuple(t) => match t.elts.first() {
                    Some(first) => (first, true),
                    None => continue,
                },
                other => (other, false),
            };
            if is_noop(item) {
                continue;
            }
            match python::str_value(item, self.text) {
                Some(mut s) => {
                    if params {
                        s.value = s.value.replace("%s", "$1");
                    }
                    let parsed = python::parse_sql(&s);
                    self.comments.extend(parsed.comments.iter().cloned());
                    self.issues.extend(parsed.issues.iter().cloned());
                    if ddl {
                        out.extend(parsed.statements.into_iter().flat_map(|st| st.changes));
                    }
                }
                None if ddl => out.push((Op::dynamic(python::dynamic_reason(item)), at)),
                None => {}
            }
        }
    }
}
