//! Verifying signoffs on GitHub: in a pull-request run on GitHub Actions, the reviews of the
//! pull request, read with `gh api repos/OWNER/REPO/pulls/N/reviews --paginate`.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long `gh` may take before rollsafe gives up on it (and says so).
const GH_TIMEOUT: Duration = Duration::from_secs(60);

/// What the run's environment says about GitHub.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `GITHUB_EVENT_PATH`: the webhook event that started the workflow.
    pub event_path: Option<PathBuf>,
    /// `GITHUB_EVENT_NAME`, for messages.
    pub event_name: Option<String>,
    /// `GITHUB_REPOSITORY`: `owner/name`.
    pub repository: Option<String>,
    /// Whether `GH_TOKEN` or `GITHUB_TOKEN` is set (not empty).
    pub has_token: bool,
    /// The `gh` program to run.
    pub gh: PathBuf,
}

impl Env {
    /// The environment of this process.
    pub fn from_process() -> Env {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Env {
            event_path: var("GITHUB_EVENT_PATH").map(PathBuf::from),
            event_name: var("GITHUB_EVENT_NAME"),
            repository: var("GITHUB_REPOSITORY"),
            has_token: var("GH_TOKEN").is_some() || var("GITHUB_TOKEN").is_some(),
            gh: PathBuf::from("gh"),
        }
    }
}

/// The pull request a run is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    /// `owner/name`.
    pub repository: String,
    pub number: u64,
}

/// A review state that counts: per user, the latest of these decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approved,
    ChangesRequested,
    Dismissed,
}

/// What one user's reviews of the pull request add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The latest review that counts.
    Decided(Decision),
    /// Only comments (a comment neither gives nor takes an approval).
    Commented,
}

/// The reviews of one pull request, per user (logins in ASCII lower case: GitHub's logins are
/// case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviews {
    pub pull_request: PullRequest,
    by_user: BTreeMap<String, Standing>,
}

impl Reviews {
    /// Where `login` (without `@`) stands; `None`: no review at all.
    pub fn standing(&self, login: &str) -> Option<Standing> {
        self.by_user.get(&login.to_ascii_lowercase()).copied()
    }

    /// Whether `login` approved the pull request.
    pub fn approved(&self, login: &str) -> bool {
        self.standing(login) == Some(Standing::Decided(Decision::Approved))
    }

    /// Reads `gh api … --paginate` output: one JSON array per page, one after another (or
    /// one array of pages, as `--slurp` writes them), reviews in the order GitHub submitted
    /// them.
    pub fn parse(pull_request: PullRequest, text: &str) -> Result<Reviews, String> {
        let mut by_user: BTreeMap<String, Standing> = BTreeMap::new();
        for page in serde_json::Deserializer::from_str(text).into_iter::<Page>() {
            let page = page.map_err(|e| format!("gh printed something other than reviews: {e}"))?;
            for review in page.reviews() {
                let Some(login) = review.user.as_ref().map(|u| u.login.to_ascii_lowercase()) else {
                    continue; // a deleted account
                };
                let decision = match review.state.as_str() {
                    "APPROVED" => Decision::Approved,
                    "CHANGES_REQUESTED" => Decision::ChangesRequested,
                    "DISMISSED" => Decision::Dismissed,
                    "COMMENTED" => {
                        by_user.entry(login).or_insert(Standing::Commented);
                        continue;
                    }
                    _ => continue, // PENDING: not submitted
                };
                by_user.insert(login, Standing::Decided(decision));
            }
        }
        Ok(Reviews {
            pull_request,
            by_user,
        })
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Page {
    Reviews(Vec<Review>),
    Pages(Vec<Vec<Review>>),
}

impl Page {
    fn reviews(self) -> Vec<Review> {
        match self {
            Page::Reviews(r) => r,
            Page::Pages(p) => p.into_iter().flatten().collect(),
        }
    }
}

#[derive(Deserialize)]
struct Review {
    user: Option<User>,
    state: String,
}

#[derive(Deserialize)]
struct User {
    login: String,
}

#[derive(Deserialize)]
struct Event {
    pull_request: Option<EventPullRequest>,
}

#[derive(Deserialize)]
struct EventPullRequest {
    number: u64,
}

/// The pull request this run is for, or why it is not a pull-request run on GitHub Actions.
pub fn pull_request(env: &Env) -> Result<PullRequest, String> {
    let Some(path) = &env.event_path else {
        return Err("this is not a GitHub Actions run (GITHUB_EVENT_PATH is not set)".to_string());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read GITHUB_EVENT_PATH {}: {e}", path.display()))?;
    let event: Event = serde_json::from_str(&text)
        .map_err(|e| format!("GITHUB_EVENT_PATH {} is not an event: {e}", path.display()))?;
    let Some(pr) = event.pull_request else {
        let name = env.event_name.as_deref().unwrap_or("unknown");
        return Err(format!(
            "this run is not for a pull request (event `{name}`); run it `on: pull_request`"
        ));
    };
    let repository = env
        .repository
        .clone()
        .filter(|r| {
            r.split_once('/')
                .is_some_and(|(o, n)| !o.is_empty() && !n.is_empty())
        })
        .ok_or("GITHUB_REPOSITORY is not set to OWNER/REPO")?;
    Ok(PullRequest {
        repository,
        number: pr.number,
    })
}

/// The reviews of this run's pull request, or why they cannot be read.
pub fn fetch_reviews(env: &Env) -> Result<Reviews, String> {
    let pr = pull_request(env)?;
    if !env.has_token {
        return Err(
            "neither GH_TOKEN nor GITHUB_TOKEN is set (the workflow step needs `env: GH_TOKEN: \
             ${{ github.token }}`)"
                .to_string(),
        );
    }
    let endpoint = format!("repos/{}/pulls/{}/reviews", pr.repository, pr.number);
    let text = run_gh(&env.gh, &["api", &endpoint, "--paginate"])?;
    Reviews::parse(pr, &text)
}

/// Runs `gh ARGS` and returns what it printed; a missing `gh`, a failure and a hang are errors
/// that say what to do.
fn run_gh(gh: &std::path::Path, args: &[&str]) -> Result<String, String> {
    let shown = format!("{} {}", gh.display(), args.join(" "));
    let mut child = Command::new(gh)
        .args(args)
        .env("GH_PROMPT_DISABLED", "1")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                "the GitHub CLI `gh` is not on PATH (GitHub's hosted runners have it)".to_string()
            }
            _ => format!("cannot run `{shown}`: {e}"),
        })?;
    // Read both pipes while waiting: a full pipe would stall `gh`.
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > GH_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`{shown}` did not answer within {} s",
                    GH_TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("cannot wait for `{shown}`: {e}")),
        }
    };
    let out = stdout.map(joined).unwrap_or_default();
    let err = stderr.map(joined).unwrap_or_default();
    if !status.success() {
        let why = err
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        return Err(format!("`{shown}` failed ({status}): {}", why.trim()));
    }
    Ok(out)
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

fn joined(handle: std::thread::JoinHandle<String>) -> String {
    handle.join().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr() -> PullRequest {
        PullRequest {
            repository: "acme/shop".to_string(),
            number: 7,
        }
    }

    fn review(login: &str, state: &str) -> String {
        format!(
            r#"{{"id": 1, "user": {{"login": "{login}"}}, "state": "{state}", "commit_id": "abc"}}"#
        )
    }

    #[test]
    fn latest_decision_per_user_counts() {
        let page = format!(
            "[{}, {}, {}]",
            review("carol", "APPROVED"),
            review("dave", "CHANGES_REQUESTED"),
            review("dave", "APPROVED")
        );
        let r = Reviews::parse(pr(), &page).expect("reviews");
        assert!(r.approved("carol"));
        assert!(r.approved("dave"));
        assert!(r.approved("Carol"), "logins are case-insensitive");
        assert!(!r.approved("erin"));
        assert_eq!(r.standing("erin"), None);
    }

    #[test]
    fn a_later_comment_keeps_an_approval() {
        let page = format!(
            "[{}, {}]",
            review("carol", "APPROVED"),
            review("carol", "COMMENTED")
        );
        assert!(
            Reviews::parse(pr(), &page)
                .expect("reviews")
                .approved("carol")
        );
    }

    #[test]
    fn changes_requested_or_dismissed_after_an_approval_take_it_back() {
        for later in ["CHANGES_REQUESTED", "DISMISSED"] {
            let page = format!(
                "[{}, {}]",
                review("carol", "APPROVED"),
                review("carol", later)
            );
            let r = Reviews::parse(pr(), &page).expect("reviews");
            assert!(!r.approved("carol"), "{later}");
        }
    }

    #[test]
    fn comments_alone_are_no_approval() {
        let page = format!("[{}]", review("carol", "COMMENTED"));
        let r = Reviews::parse(pr(), &page).expect("reviews");
        assert_eq!(r.standing("carol"), Some(Standing::Commented));
        assert!(!r.approved("carol"));
    }

    #[test]
    fn pages_one_after_another_or_slurped() {
        let two = format!(
            "[{}]\n[{}]\n",
            review("carol", "APPROVED"),
            review("carol", "DISMISSED")
        );
        assert!(!Reviews::parse(pr(), &two).expect("pages").approved("carol"));
        let slurped = format!(
            "[[{}], [{}]]",
            review("carol", "CHANGES_REQUESTED"),
            review("carol", "APPROVED")
        );
        assert!(
            Reviews::parse(pr(), &slurped)
                .expect("slurped")
                .approved("carol")
        );
        assert!(
            Reviews::parse(pr(), "")
                .expect("no reviews")
                .standing("x")
                .is_none()
        );
        assert!(Reviews::parse(pr(), r#"{"message": "Not Found"}"#).is_err());
    }

    #[test]
    fn deleted_accounts_and_pending_reviews_are_ignored() {
        let page = format!(
            r#"[{{"user": null, "state": "APPROVED"}}, {}]"#,
            review("carol", "PENDING")
        );
        let r = Reviews::parse(pr(), &page).expect("reviews");
        assert_eq!(r.standing("carol"), None);
    }

    #[test]
    fn pull_request_from_the_event() {
        let dir = tempfile::tempdir().expect("temp dir");
        let event = dir.path().join("event.json");
        std::fs::write(&event, r#"{"pull_request": {"number": 7}}"#).expect("write");
        let mut env = Env {
            event_path: Some(event.clone()),
            repository: Some("acme/shop".to_string()),
            has_token: true,
            ..Env::default()
        };
        assert_eq!(pull_request(&env), Ok(pr()));
        env.repository = None;
        assert!(pull_request(&env).is_err_and(|e| e.contains("GITHUB_REPOSITORY")));
        std::fs::write(&event, r#"{"ref": "refs/heads/main"}"#).expect("write");
        env.event_name = Some("push".to_string());
        assert!(pull_request(&env).is_err_and(|e| e.contains("not for a pull request")));
        env.event_path = None;
        assert!(pull_request(&env).is_err_and(|e| e.contains("GITHUB_EVENT_PATH")));
    }
}
