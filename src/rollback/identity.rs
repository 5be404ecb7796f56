//! Which migration of one side is which of the other. A migration is identified by its id (SQL
//! version, Alembic revision, Django `app.name`), else by its content: a file renamed or moved
//! between folders with the same id or the same content is the same migration. Squashes stand
//! for what they replace.

use crate::model::{Framework, Migration, Op};
use crate::project::Project;
use std::collections::{BTreeMap, VecDeque};

/// What a migration of the now side stands for on the target side, when it is none of the
/// target's migrations itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cover {
    /// A Django squash: applied once all of these target migrations are.
    All(Vec<usize>),
    /// A Flyway baseline: never applied to a database that has any of these (Flyway runs a
    /// baseline only on an empty schema history).
    Any(Vec<usize>),
}

/// The pairing of two sides' migrations.
#[derive(Debug, Clone, Default)]
pub struct Matching {
    /// Per now migration, its counterpart on the target side.
    pub now_to_target: Vec<Option<usize>>,
    /// Per target migration, its counterpart now.
    pub target_to_now: Vec<Option<usize>>,
    /// Per now migration without a counterpart, what it stands for.
    pub cover: Vec<Option<Cover>>,
    /// Per target migration, whether a squash or baseline of the now side stands for it.
    pub covered: Vec<bool>,
}

impl Matching {
    fn link(&mut self, t: usize, n: usize) {
        self.target_to_now[t] = Some(n);
        self.now_to_target[n] = Some(t);
    }
}

/// Pairs the migrations of `target` and `now`, strictest evidence first; every pass pairs only
/// what earlier passes left, one to one, in file order.
pub fn match_sides(target: &Project, now: &Project) -> Matching {
    let mut m = Matching {
        now_to_target: vec![None; now.migrations.len()],
        target_to_now: vec![None; target.migrations.len()],
        cover: vec![None; now.migrations.len()],
        covered: vec![false; target.migrations.len()],
    };
    let baseline: Vec<bool> = now.migrations.iter().map(|m| m.baseline).collect();
    // The same file of the same history.
    pass(&mut m, target, now, |_, x| {
        Some(format!("{}\0{}\0{}", x.history, x.path, x.id))
    });
    // The same file, its history named differently (an engine folder added beside it).
    pass(&mut m, target, now, |_, x| {
        Some(format!("{}\0{}\0{}", kind(x), x.path, x.id))
    });
    let not_baseline = |side: Side, i: usize| side == Side::Target || !baseline[i];
    // Renamed within its history.
    pass(&mut m, target, now, |(side, i), x| {
        not_baseline(side, i).then(|| format!("{}\0{}\0{}", kind(x), x.history, x.id))
    });
    // Moved to another folder: Alembic and Django ids are unique across folders. A SQL version
    // is not (two services' `V1__init.sql`): a moved SQL file is known by its content.
    pass(&mut m, target, now, |_, x| {
        (x.framework != Framework::Sql).then(|| format!("{}\0{}", kind(x), x.id))
    });
    // A squash names what it replaces: that outranks a likeness of content.
    squashes(&mut m, target, now);
    // Renamed and renumbered, the content unchanged: the same text, else the same changes.
    pass(&mut m, target, now, |(side, i), x| {
        (not_baseline(side, i) && !x.changes.is_empty())
            .then(|| format!("{}\0{}", kind(x), x.source.trim()))
    });
    pass(&mut m, target, now, |(side, i), x| {
        if !not_baseline(side, i) || !changes_identify(x) {
            return None;
        }
        let ops: Vec<&Op> = x.changes.iter().map(|c| &c.op).collect();
        serde_json::to_string(&ops)
            .ok()
            .map(|ops| format!("{}\0{ops}", kind(x)))
    });
    baselines(&mut m, target, now, &baseline);
    m
}

/// Whether a migration's changes say what it does well enough to recognise it by them: it
/// changes the schema, and nothing in it is opaque (two data migrations that each run Python
/// have the same changes and are different migrations).
fn changes_identify(x: &Migration) -> bool {
    let schema_op = |op: &Op| {
        !matches!(
            op,
            Op::Neutral { .. }
                | Op::Setting { .. }
                | Op::Maintenance { .. }
                | Op::DataChange { .. }
        )
    };
    x.changes.iter().any(|c| schema_op(&c.op))
        && !x.changes.iter().any(|c| matches!(c.op, Op::Opaque { .. }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Target,
    Now,
}

/// What must agree for two migrations to be compared at all: the framework and the engine.
fn kind(m: &Migration) -> String {
    format!("{}/{}", m.framework, m.dialect)
}

/// One matching pass: `key` says what must be equal (`None`: not in this pass).
fn pass(
    m: &mut Matching,
    target: &Project,
    now: &Project,
    key: impl Fn((Side, usize), &Migration) -> Option<String>,
) {
    let mut pool: BTreeMap<String, VecDeque<usize>> = BTreeMap::new();
    for (t, x) in target.migrations.iter().enumerate() {
        if m.target_to_now[t].is_none()
            && let Some(k) = key((Side::Target, t), x)
        {
            pool.entry(k).or_default().push_back(t);
        }
    }
    if pool.is_empty() {
        return;
    }
    for (n, x) in now.migrations.iter().enumerate() {
        if m.now_to_target[n].is_some() {
            continue;
        }
        let Some(k) = key((Side::Now, n), x) else {
            continue;
        };
        if let Some(t) = pool.get_mut(&k).and_then(VecDeque::pop_front) {
            m.link(t, n);
        }
    }
}

/// A Django squash whose originals are gone stands for them.
fn squashes(m: &mut Matching, target: &Project, now: &Project) {
    let by_id: BTreeMap<(&str, &str), usize> = target
        .migrations
        .iter()
        .enumerate()
        .filter(|(t, _)| m.target_to_now[*t].is_none())
        .map(|(t, x)| ((x.history.as_str(), x.id.as_str()), t))
        .collect();
    for (n, x) in now.migrations.iter().enumerate() {
        if m.now_to_target[n].is_some() || x.replaces.is_empty() {
            continue;
        }
        let replaced: Vec<usize> = x
            .replaces
            .iter()
            .filter_map(|r| by_id.get(&(x.history.as_str(), r.as_str())).copied())
            .collect();
        if replaced.len() == x.replaces.len() {
            for &t in &replaced {
                m.covered[t] = true;
            }
            m.cover[n] = Some(Cover::All(replaced));
        }
    }
}

/// A baseline the target side did not have (a schema dump, a Flyway `B…` script) stands for
/// the history it sums up.
fn baselines(m: &mut Matching, target: &Project, now: &Project, baseline: &[bool]) {
    for (n, x) in now.migrations.iter().enumerate() {
        if !baseline[n] || m.now_to_target[n].is_some() {
            continue;
        }
        let history: Vec<usize> = target
            .migrations
            .iter()
            .enumerate()
            .filter(|(_, t)| t.history == x.history && t.framework == Framework::Sql)
            .map(|(t, _)| t)
            .collect();
        if history.is_empty() {
            continue;
        }
        for &t in &history {
            if m.target_to_now[t].is_none() {
                m.covered[t] = true;
            }
        }
        m.cover[n] = Some(Cover::Any(history));
    }
}

/// Per target migration, the now history its effect belongs to: its counterpart's, else the
/// history most of its own history's migrations went to, else the history of the same name;
/// `None` when its whole history is gone.
pub fn homes(target: &Project, now: &Project, m: &Matching) -> Vec<Option<String>> {
    let mut homes: Vec<Option<String>> = m
        .target_to_now
        .iter()
        .map(|n| n.map(|n| now.migrations[n].history.clone()))
        .collect();
    for h in &target.histories {
        let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
        for &t in &h.order {
            if let Some(n) = m.target_to_now[t] {
                *votes.entry(now.migrations[n].history.as_str()).or_default() += 1;
            }
        }
        let majority = votes
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(k, _)| k.to_string())
            .or_else(|| {
                now.histories
                    .iter()
                    .any(|nh| nh.key == h.key)
                    .then(|| h.key.clone())
            });
        for &t in &h.order {
            if homes[t].is_none() {
                homes[t] = majority.clone();
            }
        }
    }
    homes
}
