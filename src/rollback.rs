//! `rollback`: is the code at TARGET schema-compatible with the database as it is now?
//!
//! The database "now" has every migration of the now side applied; the code at TARGET knows
//! only the target side's. Replaying the target's migrations, then the ones ahead, gives the
//! schema at the target and now with shared object identities; one comparison lists what the
//! code at TARGET does that now fails.

use crate::compare::Comparison;
use crate::model::{Downgrade, Migration, Op, Span};
use crate::project::Project;
use crate::rules::Breakage;
use crate::schema::Schema;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One side of the comparison: a project and which of its migrations are applied.
pub struct Side<'a> {
    pub project: &'a Project,
    pub applied: Vec<bool>,
    /// How the user named it (`v2.3.1`, `working tree`, `--applied prod.txt`).
    pub label: String,
}

impl<'a> Side<'a> {
    pub fn all(project: &'a Project, label: impl Into<String>) -> Self {
        Side {
            project,
            applied: vec![true; project.migrations.len()],
            label: label.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VerdictKind {
    Safe,
    Unsafe,
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct DowngradeInfo {
    /// `absent`, `empty`, `irreversible` or `present`.
    pub kind: &'static str,
    /// What running the downgrade would destroy (tables or columns dropped, rows deleted).
    pub destroys: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ahead {
    /// Index into the now project's migrations.
    #[serde(skip)]
    pub index: usize,
    pub id: String,
    pub name: String,
    pub path: String,
    pub history: String,
    pub downgrade: DowngradeInfo,
}

#[derive(Debug, Clone, Serialize)]
pub struct BreakageReport {
    #[serde(flatten)]
    pub breakage: Breakage,
    #[serde(skip)]
    pub migration: usize,
    #[serde(skip)]
    pub span: Span,
    /// The reason of a `compat: breaking` override on the statement, if any. It does not make
    /// the rollback safe.
    pub overridden: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpaqueReport {
    #[serde(skip)]
    pub migration: usize,
    #[serde(skip)]
    pub span: Span,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub verdict: VerdictKind,
    /// Migrations the database has and the code at the target does not know, in apply order.
    pub ahead: Vec<Ahead>,
    pub breakages: Vec<BreakageReport>,
    pub opaque: Vec<OpaqueReport>,
    /// Ids of migrations present on both sides whose file changed since the target (they are
    /// not re-applied, so the change never reached the database).
    pub edited: Vec<String>,
    /// Ids applied on the target side that the now side lacks: then this is not a rollback.
    pub behind: Vec<String>,
    /// Per history, the id of the newest migration the target knows (`None`: none).
    pub target_heads: BTreeMap<String, Option<String>>,
    /// Django: per app, the name of the newest migration the target knows.
    pub target_app_heads: BTreeMap<String, String>,
    /// Folders of the now side that could not be read (`path: reason`): migrations in them are
    /// unseen, so the verdict is at best unknown.
    pub unread: Vec<String>,
    /// Per history (histories are separate databases), the schema at the target and now.
    #[serde(skip)]
    pub schemas: BTreeMap<String, SchemaPair>,
}

#[derive(Debug, Clone, Default)]
pub struct SchemaPair {
    pub at_target: Schema,
    pub now: Schema,
}

/// Compares the two sides, history by history.
pub fn analyse(target: &Side, now: &Side) -> Report {
    let mut report = Report {
        verdict: VerdictKind::Safe,
        ahead: Vec::new(),
        breakages: Vec::new(),
        opaque: Vec::new(),
        edited: Vec::new(),
        behind: Vec::new(),
        target_heads: BTreeMap::new(),
        target_app_heads: BTreeMap::new(),
        schemas: BTreeMap::new(),
        unread: now
            .project
            .walk_errors
            .iter()
            .map(|(path, err)| {
                let path = if path.is_empty() { "." } else { path.as_str() };
                format!("{path}: {err}")
            })
            .collect(),
    };
    let keys: BTreeSet<&str> = now
        .project
        .histories
        .iter()
        .chain(target.project.histories.iter())
        .map(|h| h.key.as_str())
        .collect();
    for key in keys {
        compare_history(key, target, now, &mut report);
    }
    report.verdict = if !report.breakages.is_empty() {
        VerdictKind::Unsafe
    } else if !report.opaque.is_empty() || !report.unread.is_empty() {
        VerdictKind::Unknown
    } else {
        VerdictKind::Safe
    };
    report
}

/// The applied migrations of history `key` on one side, in apply order.
fn applied_order(side: &Side, key: &str) -> Vec<usize> {
    side.project
        .histories
        .iter()
        .filter(|h| h.key == key)
        .flat_map(|h| h.order.iter().copied())
        .filter(|&i| side.applied[i])
        .collect()
}

/// One history: what the target knows, what is ahead of it now, and what breaks.
fn compare_history(key: &str, target: &Side, now: &Side, report: &mut Report) {
    let t_order = applied_order(target, key);
    let n_order = applied_order(now, key);
    record_target_heads(key, target, &t_order, report);
    let n_ids: BTreeSet<&str> = n_order
        .iter()
        .map(|&i| now.project.migrations[i].id.as_str())
        .collect();
    for &i in &t_order {
        let m = &target.project.migrations[i];
        if !n_ids.contains(m.id.as_str()) {
            report.behind.push(m.path.clone());
        }
    }
    let ahead = ahead_of_target(target, now, &t_order, &n_order, report);
    let target_ms: Vec<&Migration> = t_order
        .iter()
        .map(|&i| &target.project.migrations[i])
        .collect();
    let ahead_ms: Vec<(usize, &Migration)> = ahead
        .iter()
        .map(|&i| (i, &now.project.migrations[i]))
        .collect();
    let (at_target, schema, events) = replay_pair(&target_ms, &ahead_ms);
    let mut breakages = crate::rules::breakages(&Comparison::new(&at_target, &schema, &events));
    // In the order the database applied them.
    let position = |mi: usize| ahead.iter().position(|&a| a == mi).unwrap_or(usize::MAX);
    breakages.sort_by_key(|b| (position(b.at.migration), b.at.change, b.rule));
    for b in breakages {
        let m = &now.project.migrations[b.at.migration];
        let change = m.changes.get(b.at.change);
        report.breakages.push(BreakageReport {
            migration: b.at.migration,
            span: change.map(|c| c.span).unwrap_or_default(),
            overridden: change
                .and_then(|c| m.override_for(c))
                .and_then(|(_, o)| o.reason.clone()),
            breakage: b,
        });
    }
    for (i, m) in &ahead_ms {
        record_ahead(*i, m, report);
    }
    report.schemas.insert(
        key.to_string(),
        SchemaPair {
            at_target,
            now: schema,
        },
    );
}

/// The newest migration the target knows, per history and (Django) per app.
fn record_target_heads(key: &str, target: &Side, t_order: &[usize], report: &mut Report) {
    report.target_heads.insert(
        key.to_string(),
        t_order
            .iter()
            .rev()
            .find(|&&i| !target.project.migrations[i].repeatable)
            .map(|&i| target.project.migrations[i].id.clone()),
    );
    for &i in t_order {
        let m = &target.project.migrations[i];
        if m.framework == crate::model::Framework::Django
            && let Some((app, name)) = m.id.split_once('.')
        {
            let e = report.target_app_heads.entry(app.to_string()).or_default();
            if name > e.as_str() {
                *e = name.to_string();
            }
        }
    }
}

/// The migrations applied now that the target does not know (or, for a repeatable one, knows
/// in another version); migrations both know whose file changed are recorded as edited.
fn ahead_of_target(
    target: &Side,
    now: &Side,
    t_order: &[usize],
    n_order: &[usize],
    report: &mut Report,
) -> Vec<usize> {
    let t_ids: BTreeMap<&str, usize> = t_order
        .iter()
        .map(|&i| (target.project.migrations[i].id.as_str(), i))
        .collect();
    n_order
        .iter()
        .copied()
        .filter(|&i| {
            let m = &now.project.migrations[i];
            let Some(&ti) = t_ids.get(m.id.as_str()) else {
                return true;
            };
            if target.project.migrations[ti].source != m.source {
                // Flyway re-runs a changed repeatable migration; the rest never re-apply.
                if m.repeatable {
                    return true;
                }
                report.edited.push(m.path.clone());
            }
            false
        })
        .collect()
}

/// The schema at the target and now, with shared object identities, and what the migrations
/// ahead did. Pass 1 finds the objects the history never created; pass 2 starts from them so
/// the schema at the target already holds them.
fn replay_pair(
    target_ms: &[&Migration],
    ahead_ms: &[(usize, &Migration)],
) -> (Schema, Schema, Vec<crate::schema::Event>) {
    let mut scratch = Schema::new();
    scratch.record_seeds();
    for m in target_ms {
        crate::lint::apply_migration(&mut scratch, usize::MAX, m);
    }
    for (i, m) in ahead_ms {
        crate::lint::apply_migration(&mut scratch, *i, m);
    }
    let seeds = scratch.take_seeds();

    let mut schema = Schema::new();
    schema.plant(seeds);
    for m in target_ms {
        crate::lint::apply_migration(&mut schema, usize::MAX, m);
    }
    let at_target = schema.clone();
    let mut events = Vec::new();
    for (i, m) in ahead_ms {
        events.extend(crate::lint::apply_migration(&mut schema, *i, m));
    }
    (at_target, schema, events)
}

/// A migration ahead of the target: its opaque changes and unreadable parts, and its downgrade.
fn record_ahead(i: usize, m: &Migration, report: &mut Report) {
    for c in &m.changes {
        if let Op::Opaque { reason, .. } = &c.op {
            report.opaque.push(OpaqueReport {
                migration: i,
                span: c.span,
                reason: reason.clone(),
            });
        }
    }
    for issue in &m.issues {
        report.opaque.push(OpaqueReport {
            migration: i,
            span: issue.span,
            reason: issue.message.clone(),
        });
    }
    report.ahead.push(Ahead {
        index: i,
        id: m.id.clone(),
        name: m.name.clone(),
        path: m.path.clone(),
        history: m.history.clone(),
        downgrade: downgrade_info(&m.downgrade),
    });
}

/// What a downgrade is, and what running it would destroy.
pub fn downgrade_info(d: &Downgrade) -> DowngradeInfo {
    let kind = d.kind();
    let mut destroys = Vec::new();
    if let Downgrade::Present { changes, .. } = d {
        for op in changes {
            match op {
                Op::DropTable { table, .. } => destroys.push(format!("table {table}")),
                Op::DropColumn { table, column, .. } => {
                    destroys.push(format!("column {table}.{column}"))
                }
                Op::DataChange {
                    kind:
                        crate::model::DataChangeKind::Delete | crate::model::DataChangeKind::Truncate,
                    table,
                } => destroys.push(match table {
                    Some(t) => format!("rows of {t}"),
                    None => "rows".to_string(),
                }),
                Op::AlterColumnType {
                    table, column, to, ..
                } => destroys.push(format!("values of {table}.{column} that do not fit {to}")),
                _ => {}
            }
        }
    }
    DowngradeInfo { kind, destroys }
}

/// The schema a side's applied migrations build, per history.
pub fn schema_of(side: &Side) -> BTreeMap<String, Schema> {
    let empty = Side {
        project: side.project,
        applied: vec![false; side.project.migrations.len()],
        label: String::new(),
    };
    analyse(&empty, side)
        .schemas
        .into_iter()
        .map(|(k, pair)| (k, pair.now))
        .collect()
}

/// Whether `token` names migration `m`: its id, Flyway's `V`-prefixed version, its file stem,
/// or the same number without leading zeros (golang-migrate stores `1` for `0001_x`).
pub fn id_matches(m: &Migration, token: &str) -> bool {
    let token = token.trim();
    if token.is_empty() {
        return false;
    }
    if m.id == token || format!("V{}", m.id) == token || m.name == token {
        return true;
    }
    match m.framework {
        // An Alembic revision by a unique prefix (ambiguity is reported by the caller).
        crate::model::Framework::Alembic => return token.len() >= 4 && m.id.starts_with(token),
        // Django `app.0042`, `app:0042_name`.
        crate::model::Framework::Django => {
            let t = token.replacen(':', ".", 1);
            return m.id == t || m.id.starts_with(&format!("{t}_"));
        }
        crate::model::Framework::Sql => {}
    }
    let stem = m.name.split('.').next().unwrap_or(&m.name);
    if stem == token {
        return true;
    }
    let digits = |s: &str| -> Option<u128> {
        let s = s.strip_prefix('V').unwrap_or(s);
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    matches!((digits(&m.id), digits(token)), (Some(a), Some(b)) if a == b)
}

/// Migrations of `project` that `token` names.
pub fn find_migrations(project: &Project, token: &str) -> Vec<usize> {
    (0..project.migrations.len())
        .filter(|&i| id_matches(&project.migrations[i], token))
        .collect()
}

/// The target side for a migration id: in that migration's history, everything up to and
/// including it; other histories as they are.
pub fn side_up_to<'a>(now: &Side<'a>, index: usize, label: String) -> Side<'a> {
    let mut applied = now.applied.clone();
    for h in &now.project.histories {
        if let Some(pos) = h.order.iter().position(|&i| i == index) {
            for &i in &h.order[pos + 1..] {
                applied[i] = false;
            }
        }
    }
    Side {
        project: now.project,
        applied,
        label,
    }
}

/// Reads an export of applied migration ids (one per line; `#` comments and blank lines
/// ignored; the first field of a line counts, or `app name` / `app|name` / `app.name` for
/// Django). Returns which migrations are applied, and the ids that match no file.
pub fn applied_from_list(project: &Project, text: &str) -> (Vec<bool>, Vec<String>) {
    let mut applied = vec![false; project.migrations.len()];
    let mut unknown = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line
            .split(|c: char| c == '|' || c == ',' || c == '\t' || c.is_whitespace())
            .filter(|f| !f.is_empty())
            .collect();
        let candidates: Vec<String> = match fields.as_slice() {
            [one] => vec![one.to_string()],
            [app, name, ..] => vec![format!("{app}.{name}"), app.to_string()],
            [] => continue,
        };
        let mut found = false;
        for cand in &candidates {
            for i in find_migrations(project, cand) {
                applied[i] = true;
                found = true;
            }
            if found {
                break;
            }
        }
        if !found {
            unknown.push(line.to_string());
        }
    }
    (applied, unknown)
}
