//! rustc-style output through `annotate-snippets`.

use super::{HumanOptions, Location, Locator};
use crate::lint::{Class, Finding, LintResult};
use crate::model::Migration;
use crate::project::Project;
use crate::rules::Severity;
use crate::signoff::Mode;
use crate::source::LineIndex;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use std::fmt::Write;

/// At most this many lines of a statement are shown under a finding.
const MAX_SNIPPET_LINES: usize = 6;

pub fn render_check(project: &Project, result: &LintResult, opts: HumanOptions) -> String {
    let renderer = if opts.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    if opts.verbose {
        out.push_str(&render_classes(project, result));
    }
    // Findings come grouped by file: index each file's lines once, not once per finding.
    let mut lines: Option<(usize, LineIndex)> = None;
    for f in result.findings.iter().filter(|f| f.suppressed.is_none()) {
        let m = &project.migrations[f.migration];
        if lines.as_ref().is_none_or(|(i, _)| *i != f.migration) {
            lines = Some((f.migration, LineIndex::new(&m.source)));
        }
        let index = lines.as_ref().map(|(_, index)| index);
        out.push_str(&render_finding(&renderer, m, f, result.signoff_mode, index));
        out.push_str("\n\n");
    }
    for f in result.findings.iter().filter(|f| f.suppressed.is_some()) {
        let m = &project.migrations[f.migration];
        let loc = Location::of(m, f.span);
        let signoff = f
            .signoff
            .as_ref()
            .and_then(|s| s.describe(result.signoff_mode))
            .map(|d| format!("; {d}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "waived[{}]: {} at {}:{} (reason: {}{signoff})",
            f.rule,
            f.message,
            m.path,
            loc.line,
            f.suppressed.as_deref().unwrap_or("")
        );
    }
    if result.suppressed() > 0 {
        out.push('\n');
    }
    out.push_str(&summary_line(project, result));
    out.push('\n');
    for line in super::skipped_lines(&project.skipped) {
        out.push_str(&format!("note: {line}\n"));
    }
    out
}

pub fn summary_line(project: &Project, result: &LintResult) -> String {
    let selected = result.selected.iter().filter(|s| **s).count();
    let errors = result.count(Severity::Error);
    let warnings = result.count(Severity::Warning);
    let files: std::collections::BTreeSet<&str> = project
        .migrations
        .iter()
        .enumerate()
        .filter(|(i, _)| result.selected[*i])
        .map(|(_, m)| m.path.as_str())
        .collect();
    format!(
        "checked {} file{}, {} migration{}: {} error{}, {} warning{}, {} suppressed",
        files.len(),
        plural(files.len()),
        selected,
        plural(selected),
        errors,
        plural(errors),
        warnings,
        plural(warnings),
        result.suppressed()
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn render_finding(
    renderer: &Renderer,
    m: &Migration,
    f: &Finding,
    mode: Mode,
    lines: Option<&LineIndex>,
) -> String {
    let level = match f.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let text: &str = &m.source;
    let meta = f.rule.meta();
    let title = level.primary_title(f.message.as_str()).id(f.rule.name());
    if text.is_empty() {
        // Nothing to show (an unreadable file): the title and the path.
        let mut s = renderer.render(&[Group::with_title(title)]);
        let _ = write!(s, "\n --> {}", m.path);
        return s;
    }
    let (excerpt, line_start, span) = match lines {
        Some(index) => excerpt(text, index, f.span),
        None => excerpt(text, &LineIndex::new(text), f.span),
    };
    let mut ann = AnnotationKind::Primary.span(span);
    if let Some(impact) = &f.impact {
        ann = ann.label(impact.as_str());
    }
    let group = title
        .element(
            Snippet::source(excerpt)
                .line_start(line_start)
                .path(m.path.as_str())
                .annotation(ann),
        )
        .element(Level::HELP.message(meta.help));
    let mut report: Vec<Group> = vec![group];
    if f.rule.waivable()
        && let Some(signoff) = f.signoff.as_ref().filter(|s| !s.accepted)
    {
        let why = if signoff.approved_by.is_empty() {
            "it has no signoff".to_string()
        } else {
            format!(
                "its signoff ({}) does not count",
                signoff.approved_by.join(", ")
            )
        };
        report.push(Group::with_title(Level::NOTE.secondary_title(format!(
            "the `compat: breaking` override of this statement waives nothing: {why} (signoff \
             = \"{mode}\"); see the override-without-signoff finding"
        ))));
    } else if f.rule.waivable() {
        let marker = match m.framework {
            crate::model::Framework::Sql => "--",
            _ => "#",
        };
        let approved = if mode == Mode::Off {
            ""
        } else {
            "; approved-by: @approver"
        };
        report.push(Group::with_title(Level::NOTE.secondary_title(format!(
            "to accept this break, write `{marker} compat: breaking (reason: …{approved})` above \
             the statement; see `rollsafe explain {}`",
            f.rule
        ))));
    }
    renderer.render(&report)
}

/// The lines around `span`, with the span rebased onto them (large files stay cheap to render).
fn excerpt<'t>(
    text: &'t str,
    lines: &LineIndex,
    span: crate::model::Span,
) -> (&'t str, usize, std::ops::Range<usize>) {
    let start = span.start.min(text.len());
    let end = span.end.clamp(start, text.len());
    let line_begin = text[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let mut line_end = text[end..]
        .find('\n')
        .map(|i| end + i)
        .unwrap_or(text.len());
    // Long statements: show their first lines only.
    let shown_lines = text[line_begin..line_end].matches('\n').count() + 1;
    if shown_lines > MAX_SNIPPET_LINES {
        let mut cut = line_begin;
        for _ in 0..MAX_SNIPPET_LINES {
            match text[cut..].find('\n') {
                Some(i) => cut += i + 1,
                None => break,
            }
        }
        line_end = cut.saturating_sub(1).max(start);
    }
    // CRLF files: end before the last line's `\r` (annotate-snippets would draw it as `␍`).
    if line_end > start && text[..line_end].ends_with('\r') {
        line_end -= 1;
    }
    let line_start = lines.line_of(line_begin) + 1;
    let rel_start = start - line_begin;
    let rel_end = end.min(line_end).max(start) - line_begin;
    let rel_end = if rel_end == rel_start {
        rel_start
            + text[start..]
                .chars()
                .next()
                .map(char::len_utf8)
                .unwrap_or(0)
                .min(line_end - start)
    } else {
        rel_end
    };
    (&text[line_begin..line_end], line_start, rel_start..rel_end)
}

/// `--verbose`: every migration with every change and its classification.
pub fn render_classes(project: &Project, result: &LintResult) -> String {
    let mut out = String::new();
    let mut order: Vec<usize> = project
        .histories
        .iter()
        .flat_map(|h| h.order.iter().copied())
        .filter(|&i| result.selected[i])
        .collect();
    order.dedup();
    for mi in order {
        let m = &project.migrations[mi];
        let locator = Locator::new(m);
        let _ = writeln!(out, "{} ({})", m.path, m.id);
        if m.changes.is_empty() {
            let _ = writeln!(out, "  (no statements)");
        }
        for (ci, c) in m.changes.iter().enumerate() {
            let class = result.classes[mi].get(ci);
            let label = match class.map(|c| c.class) {
                Some(Class::Expand) => "expand",
                Some(Class::Contract) => "contract",
                Some(Class::Neutral) => "neutral",
                Some(Class::Opaque) => "opaque",
                None => "?",
            };
            let loc = locator.locate(c.span);
            let _ = write!(
                out,
                "  {:<8} {}:{}  {}",
                label,
                loc.line,
                loc.column,
                c.op.describe()
            );
            if let Some(note) = class.and_then(|c| c.note.as_ref()) {
                let _ = write!(out, "  ({note})");
            }
            out.push('\n');
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}
