//! The verdict for a terminal, in incident order: one line (SAFE / UNSAFE / UNKNOWN and why),
//! the breakages, what to do, then the details (migrations ahead, removed, moved, edited).

use super::{Labels, Recommendation};
use crate::project::Project;
use crate::report::Locator;
use crate::rollback::{BreakageReport, Evidence, Report, VerdictKind};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Migrations ahead listed in full up to this many; beyond it, the first [`AHEAD_SHOWN`].
const AHEAD_LISTED: usize = 12;
const AHEAD_SHOWN: usize = 10;

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

pub fn render_human(
    report: &Report,
    now: &Project,
    labels: &Labels,
    rec: &Recommendation,
    color: bool,
) -> String {
    let p = Painter { color };
    let mut out = String::new();
    headline(report, labels, &p, &mut out);
    let mut locators: BTreeMap<usize, Locator> = BTreeMap::new();
    let mut loc = |mi: usize, span| {
        let m = &now.migrations[mi];
        let l = locators
            .entry(mi)
            .or_insert_with(|| Locator::new(m))
            .locate(span);
        format!("{}:{}", m.path, l.line)
    };
    let errors: Vec<&BreakageReport> = report.errors().collect();
    if !errors.is_empty() {
        let _ = writeln!(out, "\nWhat breaks the code at {}:", labels.target);
        breakage_lines(&errors, now, labels, &mut loc, &mut out);
    }
    let warnings: Vec<&BreakageReport> = report.warnings().collect();
    if !warnings.is_empty() {
        let _ = writeln!(
            out,
            "\nWhat may break it (warnings: only writes of rows these reject fail; the verdict \
             does not count them):"
        );
        breakage_lines(&warnings, now, labels, &mut loc, &mut out);
    }
    if report.ignored > 0 {
        let _ = writeln!(
            out,
            "\n({} more from rules the configuration turns off)",
            report.ignored
        );
    }
    if !report.opaque.is_empty() {
        let _ = writeln!(out, "\nChanges rollsafe cannot judge (review them):");
        for o in &report.opaque {
            let _ = writeln!(out, "  - {}: {}", loc(o.migration, o.span), o.reason);
        }
    }
    if !report.unread.is_empty() {
        let _ = writeln!(
            out,
            "\nFolders rollsafe could not read (their migrations are not counted):"
        );
        for u in &report.unread {
            let _ = writeln!(out, "  - {u}");
        }
    }
    recommendation(rec, &p, &mut out);
    details(report, labels, &mut out);
    out
}

/// The verdict and why, then what the target and now are.
fn headline(report: &Report, labels: &Labels, p: &Painter, out: &mut String) {
    let (word, code) = match report.verdict {
        VerdictKind::Safe => ("SAFE", "1;32"),
        VerdictKind::Unsafe => ("UNSAFE", "1;31"),
        VerdictKind::Unknown => ("UNKNOWN", "1;33"),
    };
    let _ = writeln!(
        out,
        "rollback to {}: {} — {}",
        labels.target,
        p.paint(code, word),
        why(report, labels.target)
    );
    let _ = writeln!(
        out,
        "  target: {}{}   now: {}",
        labels.target,
        labels
            .target_commit
            .map(|c| format!(" ({})", &c[..c.len().min(12)]))
            .unwrap_or_default(),
        labels.now
    );
    if let Some(d) = labels.deploy {
        if let Some(k) = &d.kubernetes {
            let mut at = Vec::new();
            if let Some(ns) = &k.namespace {
                at.push(format!("namespace {ns}"));
            }
            if let Some(c) = &k.context {
                at.push(format!("context {c}"));
            }
            let _ = writeln!(
                out,
                "  deployment/{} revision {}{} (ReplicaSet {}) ran container {} from image {}",
                k.deployment,
                k.revision,
                if at.is_empty() {
                    String::new()
                } else {
                    format!(" in {}", at.join(", "))
                },
                k.replica_set,
                k.container,
                d.image
            );
        }
        let _ = writeln!(
            out,
            "  image {} was built from git revision {} (label {}, read with {})",
            d.image, d.revision, d.label, d.read_with
        );
    }
}

/// The verdict's reason, in a few words.
fn why(report: &Report, target: &str) -> String {
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let warnings = report.warnings().count();
    let discounted = report.errors().filter(|b| !b.counted).count();
    match report.verdict {
        VerdictKind::Unsafe => {
            let counted = report.errors().filter(|b| b.counted).count();
            let mut s = format!(
                "{} the code at {target}",
                plural(counted, "change ahead breaks", "changes ahead break")
            );
            if warnings > 0 {
                s.push_str(&format!(", {} may", plural(warnings, "more", "more")));
            }
            s
        }
        VerdictKind::Unknown => {
            if report.opaque.is_empty() {
                "folders of the working tree could not be read".to_string()
            } else {
                format!(
                    "{} cannot be judged statically",
                    plural(report.opaque.len(), "change ahead", "changes ahead")
                )
            }
        }
        VerdictKind::Safe if report.ahead.is_empty() => {
            format!("no migrations are ahead of {target}")
        }
        VerdictKind::Safe => {
            let mut s = format!("nothing ahead breaks the code at {target}");
            if warnings > 0 {
                s.push_str(&format!(
                    "; {} to check",
                    plural(warnings, "warning", "warnings")
                ));
            }
            if discounted > 0 {
                s.push_str(&format!(
                    "; {} of objects its code never names not counted",
                    plural(discounted, "breakage", "breakages")
                ));
            }
            s
        }
    }
}

fn breakage_lines(
    list: &[&BreakageReport],
    now: &Project,
    labels: &Labels,
    loc: &mut impl FnMut(usize, crate::model::Span) -> String,
    out: &mut String,
) {
    for b in list {
        let m = &now.migrations[b.migration];
        let _ = writeln!(
            out,
            "  - code at {} {}; {} in {} [{}]",
            labels.target,
            b.breakage.impact,
            b.breakage.message,
            loc(b.migration, b.span),
            b.breakage.rule
        );
        if let Some(Evidence::NeverNamed {
            object,
            name,
            unreadable,
        }) = &b.evidence
        {
            let mut line = format!(
                "    the code at {} never names {object} `{name}` (outside its migrations)",
                labels.target
            );
            if *unreadable > 0 {
                line.push_str(&format!(
                    "; {unreadable} file(s) there could not be read, so this is not proven"
                ));
            } else if !b.counted && b.severity == crate::rules::Severity::Error {
                line.push_str("; not counted ([rollback] trust_code_search = true)");
            }
            let _ = writeln!(out, "{line}");
        }
        if let Some(reason) = &b.overridden {
            let signoff = match b.approved_by.as_slice() {
                [] => String::new(),
                names => format!("; approved-by: {}", names.join(", ")),
            };
            let _ = writeln!(
                out,
                "    overridden in {} (reason: {reason}{signoff}); an override accepts the break, \
                 it does not make the rollback safe",
                m.name
            );
        }
    }
    if list
        .iter()
        .any(|b| matches!(b.evidence, Some(Evidence::DjangoModels)))
    {
        let _ = writeln!(
            out,
            "  (Django: the code at {} uses its models, and its migrations are the models' \
             state, so rollsafe takes that state as what the code uses instead of searching it)",
            labels.target
        );
    }
}

fn recommendation(rec: &Recommendation, p: &Painter, out: &mut String) {
    let _ = writeln!(out, "\nRecommendation: {}", rec.summary);
    for s in &rec.steps {
        let _ = writeln!(out, "  - {s}");
    }
    for c in &rec.commands {
        let _ = writeln!(out, "      $ {c}");
    }
    for w in &rec.warnings {
        let _ = writeln!(out, "  {} {w}", p.paint("1;33", "warning:"));
    }
}

/// What the verdict rests on: the migrations ahead, and what changed among the others.
fn details(report: &Report, labels: &Labels, out: &mut String) {
    out.push('\n');
    if report.ahead.is_empty() {
        let _ = writeln!(out, "No migrations are ahead of {}.", labels.target);
    } else {
        let _ = writeln!(
            out,
            "{} migration{} ahead of {} (in the order they were applied):",
            report.ahead.len(),
            if report.ahead.len() == 1 { "" } else { "s" },
            labels.target
        );
        let shown = if report.ahead.len() > AHEAD_LISTED {
            AHEAD_SHOWN
        } else {
            report.ahead.len()
        };
        for a in &report.ahead[..shown] {
            let mut dg = format!("downgrade: {}", a.downgrade.kind);
            if !a.downgrade.destroys.is_empty() {
                dg.push_str(&format!(", destroys {}", a.downgrade.destroys.join(", ")));
            }
            let _ = writeln!(out, "  {}  ({dg})", a.path);
        }
        if shown < report.ahead.len() {
            let _ = writeln!(
                out,
                "  … and {} more (`--format json` lists them all)",
                report.ahead.len() - shown
            );
        }
    }
    let removed: Vec<String> = report
        .removed
        .iter()
        .map(|r| match &r.replaced_by {
            Some(by) if !by.is_empty() => format!("{} (now stood for by {by})", r.path),
            _ => r.path.clone(),
        })
        .collect();
    list_section(
        &format!(
            "Removed since {} (applied already: their effect stays in the database)",
            labels.target
        ),
        &removed,
        out,
    );
    let moved: Vec<String> = report
        .moved
        .iter()
        .map(|m| format!("{} → {}", m.from, m.to))
        .collect();
    list_section(
        &format!(
            "Renamed or moved since {} (the same migration)",
            labels.target
        ),
        &moved,
        out,
    );
    let edited: Vec<String> = report.edited.iter().map(|e| e.path.clone()).collect();
    list_section(
        &format!(
            "Edited since {} (not re-applied, so the edits never reached the database)",
            labels.target
        ),
        &edited,
        out,
    );
    let cosmetic = report.edited_cosmetic.len();
    if cosmetic > 0 {
        let _ = writeln!(
            out,
            "{cosmetic} more file{} edited since {} in comments or whitespace only",
            if cosmetic == 1 { "" } else { "s" },
            labels.target
        );
    }
}

/// A heading and its lines (at most ten, then a count), or nothing.
fn list_section(heading: &str, items: &[String], out: &mut String) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "{heading}:");
    for i in items.iter().take(AHEAD_SHOWN) {
        let _ = writeln!(out, "  - {i}");
    }
    if items.len() > AHEAD_SHOWN {
        let _ = writeln!(out, "  … and {} more", items.len() - AHEAD_SHOWN);
    }
}
