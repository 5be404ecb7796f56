//! `rollback`: is the code at TARGET schema-compatible with the database as it is now?
//!
//! The database "now" has every migration of the now side applied; the code at TARGET knows
//! only the target side's. Migrations are paired across the sides by id, else by content
//! ([`identity`]); a migration the target has and now lacks was applied already, so its effect
//! stays. Replaying the target's migrations, then the ones ahead, gives the schema at the
//! target and now with shared object identities; one comparison lists what the code at TARGET
//! does that now fails. [`judge`] then applies the configured severities and the code-search
//! evidence.

pub mod evidence;
pub mod identity;
mod ids;

pub use evidence::Evidence;
pub use ids::{applied_from_list, find_migrations, id_matches, side_up_to};

use crate::compare::Comparison;
use crate::lint::Settings;
use crate::model::{Downgrade, Migration, Op, Span};
use crate::project::Project;
use crate::rules::{Breakage, Severity};
use crate::schema::Schema;
use identity::{Cover, Matching};
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
    /// Who the override says signed off (`approved-by`), as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub approved_by: Vec<String>,
    /// The configured severity of its rule: errors make the verdict unsafe, warnings are listed.
    pub severity: Severity,
    /// Whether it makes the verdict unsafe (an error not discounted by trusted code search).
    pub counted: bool,
    /// Does the code at the target name the broken object at all?
    pub evidence: Option<Evidence>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpaqueReport {
    #[serde(skip)]
    pub migration: usize,
    #[serde(skip)]
    pub span: Span,
    pub reason: String,
}

/// A migration of the target side that the now side lacks.
#[derive(Debug, Clone, Serialize)]
pub struct Removed {
    /// Index into the target project's migrations.
    #[serde(skip)]
    pub index: usize,
    pub id: String,
    pub path: String,
    /// The squash or baseline of the now side that stands for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}

/// A migration both sides have, under another path now.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Moved {
    pub from: String,
    pub to: String,
}

/// A migration both sides have whose file changed since the target.
#[derive(Debug, Clone, Serialize)]
pub struct Edited {
    /// Index into the now project's migrations.
    #[serde(skip)]
    pub index: usize,
    pub path: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub verdict: VerdictKind,
    /// Migrations the database has and the code at the target does not know, in apply order.
    pub ahead: Vec<Ahead>,
    /// What breaks the code at the target, at the configured severities, in apply order.
    pub breakages: Vec<BreakageReport>,
    /// Breakages of rules the configuration turns off.
    pub ignored: usize,
    pub opaque: Vec<OpaqueReport>,
    /// Migrations present on both sides whose changes differ since the target (they are not
    /// re-applied, so the change never reached the database); a file once.
    pub edited: Vec<Edited>,
    /// Files edited since the target without changing what they do (comments, whitespace,
    /// licence headers).
    pub edited_cosmetic: Vec<String>,
    /// Migrations renamed or moved since the target.
    pub moved: Vec<Moved>,
    /// Migrations the target has applied and the now side lacks: deleted or squashed since.
    /// When the target is an ancestor of now they were applied already, and their effect
    /// stays in the database.
    pub removed: Vec<Removed>,
    /// Paths of migrations applied on the target side that the now side has but has not
    /// applied: then this is not a rollback.
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

impl Report {
    /// Breakages at error severity.
    pub fn errors(&self) -> impl Iterator<Item = &BreakageReport> {
        self.breakages
            .iter()
            .filter(|b| b.severity == Severity::Error)
    }
    /// Breakages at warning severity.
    pub fn warnings(&self) -> impl Iterator<Item = &BreakageReport> {
        self.breakages
            .iter()
            .filter(|b| b.severity == Severity::Warning)
    }
}

/// Compares the two sides, history by history, at the rules' default severities.
pub fn analyse(target: &Side, now: &Side) -> Report {
    let mut report = Report {
        verdict: VerdictKind::Safe,
        ahead: Vec::new(),
        breakages: Vec::new(),
        ignored: 0,
        opaque: Vec::new(),
        edited: Vec::new(),
        edited_cosmetic: Vec::new(),
        moved: Vec::new(),
        removed: Vec::new(),
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
    let matching = identity::match_sides(target.project, now.project);
    let homes = identity::homes(target.project, now.project, &matching);
    let pairing = Pairing {
        target,
        now,
        matching: &matching,
        homes: &homes,
    };
    let keys: BTreeSet<&str> = now
        .project
        .histories
        .iter()
        .map(|h| h.key.as_str())
        .collect();
    for key in keys {
        compare_history(key, &pairing, &mut report);
    }
    record_missing(&pairing, &mut report);
    judge(&mut report, &Settings::default(), false);
    report
}

/// The two sides and how their migrations pair.
struct Pairing<'a, 'p> {
    target: &'a Side<'p>,
    now: &'a Side<'p>,
    matching: &'a Matching,
    /// Per target migration, the now history its effect belongs to.
    homes: &'a [Option<String>],
}

impl Pairing<'_, '_> {
    /// Whether the database the target's code ran against had now-side migration `n` applied.
    fn applied_at_target(&self, n: usize) -> bool {
        let target = self.target;
        match self.matching.now_to_target[n] {
            Some(t) => {
                let (tm, nm) = (
                    &target.project.migrations[t],
                    &self.now.project.migrations[n],
                );
                // Flyway re-runs a changed repeatable migration; the rest never re-apply.
                target.applied[t] && !(nm.repeatable && tm.source != nm.source)
            }
            None => match &self.matching.cover[n] {
                Some(Cover::All(ts)) => !ts.is_empty() && ts.iter().all(|&t| target.applied[t]),
                Some(Cover::Any(ts)) => ts.iter().any(|&t| target.applied[t]),
                None => false,
            },
        }
    }

    /// The target's applied migrations whose effect belongs to now history `key`, in the
    /// target's order; when several target histories feed it, they come in the order their
    /// migrations have now.
    fn target_order(&self, key: &str, position: &BTreeMap<usize, usize>) -> Vec<usize> {
        let target = self.target;
        let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
        for h in &target.project.histories {
            let ms: Vec<usize> = h
                .order
                .iter()
                .copied()
                .filter(|&t| target.applied[t] && self.homes[t].as_deref() == Some(key))
                .collect();
            if ms.is_empty() {
                continue;
            }
            let first = ms
                .iter()
                .filter_map(|&t| self.matching.target_to_now[t])
                .filter_map(|n| position.get(&n).copied())
                .min()
                .unwrap_or(usize::MAX);
            groups.push((first, ms));
        }
        groups.sort_by_key(|(first, _)| *first);
        groups.into_iter().flat_map(|(_, ms)| ms).collect()
    }
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
fn compare_history(key: &str, pairing: &Pairing, report: &mut Report) {
    let (target, now) = (pairing.target, pairing.now);
    let n_order = applied_order(now, key);
    let position: BTreeMap<usize, usize> =
        n_order.iter().enumerate().map(|(p, &n)| (n, p)).collect();
    let t_order = pairing.target_order(key, &position);
    record_target_heads(key, target, &t_order, report);
    let ahead: Vec<usize> = n_order
        .iter()
        .copied()
        .filter(|&n| !pairing.applied_at_target(n))
        .collect();
    record_known(&n_order, &ahead, pairing, report);
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
    let rank = |mi: usize| ahead.iter().position(|&a| a == mi).unwrap_or(usize::MAX);
    breakages.sort_by_key(|b| (rank(b.at.migration), b.at.change, b.rule));
    for b in breakages {
        let m = &now.project.migrations[b.at.migration];
        let change = m.changes.get(b.at.change);
        let span = change.map(|c| c.span).unwrap_or_default();
        // A file every engine's history reads (Synapse's `.sql` beside `.sql.sqlite`) breaks
        // the same way in each: one database is deployed, so it is one breakage.
        // (Spans are not compared: each engine's parser places a statement its own way.)
        let seen = report.breakages.iter().any(|r| {
            r.breakage.rule == b.rule
                && r.breakage.object == b.object
                && r.breakage.message == b.message
                && now.project.migrations[r.migration].path == m.path
        });
        if seen {
            continue;
        }
        report.breakages.push(BreakageReport {
            migration: b.at.migration,
            span,
            overridden: change
                .and_then(|c| m.override_for(c))
                .and_then(|(_, o)| o.reason.clone()),
            approved_by: change
                .and_then(|c| m.override_for(c))
                .filter(|(_, o)| o.reason.is_some())
                .map(|(_, o)| o.approved_by.clone())
                .unwrap_or_default(),
            severity: b.rule.meta().severity,
            counted: false,
            evidence: None,
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

/// Migrations both sides know: moved, edited in what they do, or edited cosmetically.
fn record_known(n_order: &[usize], ahead: &[usize], pairing: &Pairing, report: &mut Report) {
    let (target, now) = (pairing.target.project, pairing.now.project);
    for &n in n_order {
        let Some(t) = pairing.matching.now_to_target[n] else {
            continue;
        };
        if ahead.contains(&n) {
            continue;
        }
        let (tm, nm) = (&target.migrations[t], &now.migrations[n]);
        if tm.path != nm.path {
            let moved = Moved {
                from: tm.path.clone(),
                to: nm.path.clone(),
            };
            if !report.moved.contains(&moved) {
                report.moved.push(moved);
            }
        }
        if tm.source == nm.source {
            continue;
        }
        let same_changes = tm.changes.len() == nm.changes.len()
            && tm
                .changes
                .iter()
                .zip(&nm.changes)
                .all(|(a, b)| a.op == b.op);
        if same_changes {
            if !report.edited_cosmetic.contains(&nm.path) {
                report.edited_cosmetic.push(nm.path.clone());
            }
        } else if !report.edited.iter().any(|e| e.path == nm.path) {
            report.edited.push(Edited {
                index: n,
                path: nm.path.clone(),
            });
        }
    }
}

/// Target migrations the now side lacks (removed, or stood for by a squash), and those it has
/// but has not applied (then this is not a rollback); each file once.
fn record_missing(pairing: &Pairing, report: &mut Report) {
    let (target, now, matching) = (pairing.target, pairing.now, pairing.matching);
    let mut seen = BTreeSet::new();
    for h in &target.project.histories {
        for &t in &h.order {
            let tm = &target.project.migrations[t];
            if !target.applied[t] || !seen.insert(tm.path.as_str()) {
                continue;
            }
            match matching.target_to_now[t] {
                Some(n) if !now.applied[n] => report.behind.push(tm.path.clone()),
                Some(_) => {}
                None => {
                    let replaced_by = matching.covered[t].then(|| {
                        matching
                            .cover
                            .iter()
                            .enumerate()
                            .find(|(_, c)| match c {
                                Some(Cover::All(ts) | Cover::Any(ts)) => ts.contains(&t),
                                None => false,
                            })
                            .map(|(n, _)| now.project.migrations[n].path.clone())
                            .unwrap_or_default()
                    });
                    report.removed.push(Removed {
                        index: t,
                        id: tm.id.clone(),
                        path: tm.path.clone(),
                        replaced_by,
                    });
                }
            }
        }
    }
}

/// Applies the configured severities (rules turned off drop out) and, with
/// `trust_code_search`, discounts errors whose object the code at the target never names;
/// then decides the verdict.
pub fn judge(report: &mut Report, settings: &Settings, trust_code_search: bool) {
    let mut ignored = 0;
    report
        .breakages
        .retain_mut(|b| match settings.severity(b.breakage.rule) {
            Some(s) => {
                b.severity = s;
                true
            }
            None => {
                ignored += 1;
                false
            }
        });
    report.ignored += ignored;
    for b in &mut report.breakages {
        let discounted =
            trust_code_search && b.evidence.as_ref().is_some_and(Evidence::proves_unused);
        b.counted = b.severity == Severity::Error && !discounted;
    }
    report.verdict = if report.breakages.iter().any(|b| b.counted) {
        VerdictKind::Unsafe
    } else if !report.opaque.is_empty() || !report.unread.is_empty() {
        VerdictKind::Unknown
    } else {
        VerdictKind::Safe
    };
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

/// The schema at the target and now, with shared object identities, and what the migrations
/// ahead did. Pass 1 finds the objects the history never created; pass 2 starts from them so
/// the schema at the target already holds them.
pub fn replay_pair(
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
    // One file read by several engines' histories is one migration of the deployed database.
    if report.ahead.iter().any(|a| a.path == m.path) {
        return;
    }
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

/// What the code after a change meets in databases deployed from its base, for base migrations
/// the change removes: per history, the kept migrations replayed, then the removed ones.
/// Breakages name base migrations (`at.migration` indexes `base.migrations`).
pub fn removal_breakages(base: &Project, removed: &[usize]) -> Vec<Breakage> {
    let mut out = Vec::new();
    for h in &base.histories {
        let gone: Vec<(usize, &Migration)> = h
            .order
            .iter()
            .filter(|i| removed.contains(i))
            .map(|&i| (i, &base.migrations[i]))
            .collect();
        if gone.is_empty() {
            continue;
        }
        let kept: Vec<&Migration> = h
            .order
            .iter()
            .filter(|i| !removed.contains(i))
            .map(|&i| &base.migrations[i])
            .collect();
        let (code, db, events) = replay_pair(&kept, &gone);
        out.extend(crate::rules::breakages(&Comparison::new(
            &code, &db, &events,
        )));
    }
    out.sort();
    out.dedup();
    out
}
