//! Naming migrations: the ids users type (`rollback 5`, `app.0042`, an Alembic prefix) and the
//! exports of applied ids a database gives.

use super::Side;
use crate::model::Migration;
use crate::project::Project;

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
