//! Reviewer signoff of `compat: breaking` overrides (`[overrides]` in the configuration): who
//! may sign off a migration's overrides (a list of handles, or the file's code owners), and
//! whether a signoff is taken as declared or verified against the pull request's reviews.
//!
//! Handles compare as GitHub compares logins, ignoring ASCII case; a team (`@org/team`) is
//! never expanded into its members.

pub mod codeowners;
pub mod github;

use crate::model::{Migration, Override};
use codeowners::CodeOwners;
use github::{Decision, Reviews, Standing};
use serde::{Deserialize, Serialize};
use std::fmt;

/// `[overrides] signoff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A reason is enough.
    #[default]
    Off,
    /// `approved-by` must name an approver of the migration file.
    Declared,
    /// As `declared`, and the named approver must have approved the pull request.
    Github,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Off => "off",
            Mode::Declared => "declared",
            Mode::Github => "github",
        })
    }
}

/// What an override's signoff amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// A named approver approved the pull request.
    Verified,
    /// `approved-by` names someone (with `declared` or `github`: an approver of the file), not
    /// verified.
    Declared,
    /// No signoff, or none that counts.
    Missing,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Verified => "verified",
            Status::Declared => "declared",
            Status::Missing => "missing",
        })
    }
}

/// Who may sign off, as configured and read for a run.
#[derive(Debug, Clone)]
pub enum Approvers {
    /// `approvers = ["@team", "@person"]`: the same for every file.
    Listed(Vec<String>),
    /// `approvers = "codeowners"`: the owners of each migration file.
    CodeOwners {
        /// The project root relative to the repository root (`services/billing/`, or empty):
        /// CODEOWNERS patterns are relative to the repository.
        prefix: String,
        /// The file GitHub uses, or why there is none that can be used.
        file: Result<CodeOwners, String>,
    },
}

impl Default for Approvers {
    fn default() -> Self {
        Approvers::Listed(Vec::new())
    }
}

/// The approvers of one file, and where they come from (for messages).
struct FileApprovers {
    handles: Vec<String>,
    source: String,
}

impl Approvers {
    /// The approvers of `path` (relative to the project root), or why nobody can sign off
    /// there.
    fn of(&self, path: &str) -> Result<FileApprovers, String> {
        match self {
            Approvers::Listed(handles) => Ok(FileApprovers {
                handles: handles.clone(),
                source: "[overrides] approvers".to_string(),
            }),
            Approvers::CodeOwners { prefix, file } => {
                let owners = file.as_ref().map_err(|why| {
                    format!("nobody can sign off (approvers = \"codeowners\"): {why}")
                })?;
                let repo_path = format!("{prefix}{path}");
                match owners.owner_line(&repo_path) {
                    Some(line) if !line.owners.is_empty() => Ok(FileApprovers {
                        handles: line.owners.clone(),
                        source: format!("{} line {}", owners.file, line.line),
                    }),
                    Some(line) => Err(format!(
                        "nobody can sign off: line {} of {} (`{}`) leaves {repo_path} without \
                         code owners; give it an owner",
                        line.line, owners.file, line.pattern
                    )),
                    None => Err(format!(
                        "nobody can sign off: no line of {} matches {repo_path}; give it an \
                         owner",
                        owners.file
                    )),
                }
            }
        }
    }
}

/// The signoff policy of a run: the configured mode and approvers, and for `github` the
/// reviews of the pull request (`None`: not available, the signoff is taken as declared; the
/// run says so once).
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub mode: Mode,
    pub approvers: Approvers,
    pub reviews: Option<Reviews>,
}

/// One override's signoff, as the policy judges it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signoff {
    /// The handles `approved-by` names, as written.
    pub approved_by: Vec<String>,
    pub status: Status,
    /// Whether the override may waive findings as far as its signoff goes.
    pub accepted: bool,
    /// Why the signoff does not count and who may give it; `None` when it counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The pull request on which the approval was verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<u64>,
}

impl Signoff {
    /// `approved-by: @a, @b` and what it amounts to, for a line of human output; `None` when
    /// the override names nobody and no signoff is asked for.
    pub fn describe(&self, mode: Mode) -> Option<String> {
        let named = self.approved_by.join(", ");
        match (mode, self.status) {
            (Mode::Off, _) if named.is_empty() => None,
            (Mode::Off, _) => Some(format!("approved-by: {named}")),
            (_, Status::Verified) => Some(format!(
                "approved-by: {named}, verified{}",
                self.pull_request
                    .map(|n| format!(" on pull request #{n}"))
                    .unwrap_or_default()
            )),
            (_, Status::Declared) => Some(format!("approved-by: {named}, declared")),
            (_, Status::Missing) if named.is_empty() => Some("no signoff".to_string()),
            (_, Status::Missing) => Some(format!("approved-by: {named}, not a valid signoff")),
        }
    }
}

/// Whether a handle names a team (`@org/team`), which GitHub reviews never do.
fn is_team(handle: &str) -> bool {
    handle.contains('/')
}

fn same_handle(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn listed(handles: &[String]) -> String {
    handles
        .iter()
        .map(|h| format!("`{h}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Policy {
    /// The policy of a run without `[overrides]`: a reason is enough.
    pub fn off() -> Policy {
        Policy::default()
    }

    /// Judges the signoff of override `o` of migration `m`.
    pub fn judge(&self, m: &Migration, o: &Override) -> Signoff {
        let named = &o.approved_by;
        let signoff = |status: Status, problem: Option<String>| Signoff {
            approved_by: named.clone(),
            status,
            accepted: problem.is_none(),
            problem,
            pull_request: None,
        };
        if self.mode == Mode::Off {
            let status = if named.is_empty() {
                Status::Missing
            } else {
                Status::Declared
            };
            return signoff(status, None);
        }
        let approvers = match self.approvers.of(&m.path) {
            Ok(a) => a,
            Err(why) => return signoff(Status::Missing, Some(format!("{}: {why}", m.path))),
        };
        let who = format!(
            "the approvers of {} ({}): {}",
            m.path,
            approvers.source,
            listed(&approvers.handles)
        );
        if named.is_empty() {
            return signoff(
                Status::Missing,
                Some(format!(
                    "this override has no signoff (signoff = \"{}\"): add `; approved-by: \
                     @handle` naming one of {who}",
                    self.mode
                )),
            );
        }
        let eligible: Vec<&String> = named
            .iter()
            .filter(|n| approvers.handles.iter().any(|a| same_handle(a, n)))
            .collect();
        if eligible.is_empty() {
            let verb = if named.len() == 1 { "is" } else { "are" };
            return signoff(
                Status::Missing,
                Some(format!(
                    "{} {verb} not among {who}; one of them must sign off",
                    listed(named)
                )),
            );
        }
        let (Mode::Github, Some(reviews)) = (self.mode, &self.reviews) else {
            return signoff(Status::Declared, None);
        };
        if eligible
            .iter()
            .any(|h| !is_team(h) && reviews.approved(h.trim_start_matches('@')))
        {
            return Signoff {
                pull_request: Some(reviews.pull_request.number),
                ..signoff(Status::Verified, None)
            };
        }
        let reasons: Vec<String> = eligible.iter().map(|h| not_approved(h, reviews)).collect();
        signoff(
            Status::Missing,
            Some(format!(
                "no approver named in approved-by has approved pull request #{}: {}",
                reviews.pull_request.number,
                reasons.join("; ")
            )),
        )
    }
}

/// Why approver `handle` does not verify a signoff on the pull request.
fn not_approved(handle: &str, reviews: &Reviews) -> String {
    if is_team(handle) {
        return format!(
            "`{handle}` is a team, and GitHub reviews are by users: with signoff = \"github\" \
             name the user who approved (a team counts only with signoff = \"declared\")"
        );
    }
    let why = match reviews.standing(handle.trim_start_matches('@')) {
        None => "has not reviewed it",
        Some(Standing::Commented) => "has only commented (a comment is not an approval)",
        Some(Standing::Decided(Decision::ChangesRequested)) => "requested changes",
        Some(Standing::Decided(Decision::Dismissed)) => "had the review dismissed",
        Some(Standing::Decided(Decision::Approved)) => "approved it",
    };
    format!("`{handle}` {why}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Framework, Span};

    fn migration(path: &str) -> Migration {
        Migration::new("2".to_string(), path.to_string(), Framework::Sql, "".into())
    }

    fn over(handles: &[&str]) -> Override {
        Override {
            span: Span::default(),
            reason: Some("unused".to_string()),
            approved_by: handles.iter().map(|h| h.to_string()).collect(),
        }
    }

    fn listed_policy(mode: Mode) -> Policy {
        Policy {
            mode,
            approvers: Approvers::Listed(vec!["@acme/db-team".to_string(), "@alice".to_string()]),
            reviews: None,
        }
    }

    fn judge(p: &Policy, handles: &[&str]) -> Signoff {
        p.judge(&migration("db/migration/V2__x.sql"), &over(handles))
    }

    #[test]
    fn off_accepts_every_reason() {
        let p = Policy::off();
        let s = judge(&p, &[]);
        assert!(s.accepted);
        assert_eq!(s.status, Status::Missing);
        let s = judge(&p, &["@anyone"]);
        assert!(s.accepted);
        assert_eq!(s.status, Status::Declared);
    }

    #[test]
    fn declared_needs_an_approver() {
        let p = listed_policy(Mode::Declared);
        let s = judge(&p, &[]);
        assert!(!s.accepted);
        assert_eq!(s.status, Status::Missing);
        let problem = s.problem.unwrap_or_default();
        assert!(problem.contains("no signoff"), "{problem}");
        assert!(problem.contains("`@acme/db-team`, `@alice`"), "{problem}");
        let s = judge(&p, &["@bob"]);
        assert!(!s.accepted);
        assert!(
            s.problem
                .unwrap_or_default()
                .contains("`@bob` is not among")
        );
        for ok in [&["@alice"][..], &["@bob", "@ALICE"], &["@acme/db-team"]] {
            let s = judge(&p, ok);
            assert!(s.accepted, "{ok:?}");
            assert_eq!(s.status, Status::Declared);
        }
    }

    #[test]
    fn codeowners_of_the_file() {
        let file = CodeOwners::parse(
            ".github/CODEOWNERS",
            "* @app-team\n/db/migration/ @carol @acme/db-team\n/db/migration/legacy/\n",
        );
        let p = Policy {
            mode: Mode::Declared,
            approvers: Approvers::CodeOwners {
                prefix: String::new(),
                file: Ok(file),
            },
            reviews: None,
        };
        assert!(judge(&p, &["@carol"]).accepted);
        assert!(judge(&p, &["@acme/db-team"]).accepted);
        let s = judge(&p, &["@app-team"]);
        assert!(!s.accepted);
        let problem = s.problem.unwrap_or_default();
        assert!(problem.contains(".github/CODEOWNERS line 2"), "{problem}");
        let legacy = p.judge(&migration("db/migration/legacy/V1.sql"), &over(&["@carol"]));
        assert!(!legacy.accepted);
        assert!(
            legacy
                .problem
                .unwrap_or_default()
                .contains("without code owners"),
            "an ownerless line leaves nobody to sign off"
        );
    }

    #[test]
    fn codeowners_relative_to_the_repository() {
        let file = CodeOwners::parse("CODEOWNERS", "/services/billing/db/ @billing\n");
        let p = Policy {
            mode: Mode::Declared,
            approvers: Approvers::CodeOwners {
                prefix: "services/billing/".to_string(),
                file: Ok(file),
            },
            reviews: None,
        };
        let m = migration("db/V1__x.sql");
        assert!(p.judge(&m, &over(&["@billing"])).accepted);
        let missing = Policy {
            mode: Mode::Declared,
            approvers: Approvers::CodeOwners {
                prefix: String::new(),
                file: Err("there is no CODEOWNERS".to_string()),
            },
            reviews: None,
        };
        let s = missing.judge(&m, &over(&["@billing"]));
        assert!(!s.accepted);
        assert!(
            s.problem
                .unwrap_or_default()
                .contains("there is no CODEOWNERS")
        );
    }

    fn reviews(page: &str) -> Reviews {
        let pr = github::PullRequest {
            repository: "acme/shop".to_string(),
            number: 7,
        };
        Reviews::parse(pr, page).expect("reviews")
    }

    #[test]
    fn github_verifies_an_approval() {
        let mut p = listed_policy(Mode::Github);
        p.reviews = Some(reviews(
            r#"[{"user": {"login": "alice"}, "state": "APPROVED"}]"#,
        ));
        let s = judge(&p, &["@alice"]);
        assert!(s.accepted);
        assert_eq!(s.status, Status::Verified);
        assert_eq!(s.pull_request, Some(7));
        assert_eq!(
            s.describe(Mode::Github).as_deref(),
            Some("approved-by: @alice, verified on pull request #7")
        );
    }

    #[test]
    fn github_refuses_what_is_not_an_approval() {
        let mut p = listed_policy(Mode::Github);
        p.reviews = Some(reviews(
            r#"[{"user": {"login": "alice"}, "state": "COMMENTED"}]"#,
        ));
        let s = judge(&p, &["@alice"]);
        assert!(!s.accepted);
        let problem = s.problem.unwrap_or_default();
        assert!(problem.contains("`@alice` has only commented"), "{problem}");
        // A team cannot approve a pull request: it counts only as declared.
        let s = judge(&p, &["@acme/db-team"]);
        assert!(!s.accepted);
        assert!(s.problem.unwrap_or_default().contains("is a team"));
        // Not an approver: refused before any review is looked at.
        let s = judge(&p, &["@mallory"]);
        assert!(s.problem.unwrap_or_default().contains("not among"));
    }

    #[test]
    fn github_without_reviews_falls_back_to_declared() {
        let p = listed_policy(Mode::Github);
        let s = judge(&p, &["@acme/db-team"]);
        assert!(s.accepted);
        assert_eq!(s.status, Status::Declared);
        assert!(!judge(&p, &["@bob"]).accepted);
    }
}
