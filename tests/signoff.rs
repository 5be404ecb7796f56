//! Override signoff (`[overrides]`): each mode through the real binary, CODEOWNERS approvers,
//! SQL and Python comments, the GitHub verification against a stand-in `gh` on PATH, the
//! fallback messages, and how the signoff shows in every output.

mod common;

use common::{Out, git_repo, project_dir, rollsafe_cmd, run_checked, write};
use serde_json::Value;
use std::path::Path;

const INIT: &str = "CREATE TABLE users (id bigint PRIMARY KEY, legacy text, old text);\n";

/// A SQL project: `V1` creates `users`, `V2` drops `legacy` under `comment`.
fn sql_project(config: &str, comment: &str) -> tempfile::TempDir {
    project_dir(&[
        ("rollsafe.toml", config),
        ("db/migration/V1__init.sql", INIT),
        (
            "db/migration/V2__drop_legacy.sql",
            &format!("{comment}\nALTER TABLE users DROP COLUMN legacy;\n"),
        ),
    ])
}

const DECLARED: &str =
    "[overrides]\nsignoff = \"declared\"\napprovers = [\"@acme/db-team\", \"@alice\"]\n";
const CODEOWNERS: &str = "[overrides]\nsignoff = \"declared\"\napprovers = \"codeowners\"\n";
const GITHUB: &str = "[overrides]\nsignoff = \"github\"\napprovers = \"codeowners\"\n";

fn breaking(signoff: &str) -> String {
    format!("-- compat: breaking (reason: legacy unused since 2024.06{signoff})")
}

/// The variables a GitHub Actions run sets, removed: each test sets what it needs.
const GITHUB_VARS: &[&str] = &[
    "GITHUB_ACTIONS",
    "GITHUB_EVENT_PATH",
    "GITHUB_EVENT_NAME",
    "GITHUB_REPOSITORY",
    "GH_TOKEN",
    "GITHUB_TOKEN",
];

fn check(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let mut cmd = rollsafe_cmd(dir, &all);
    for v in GITHUB_VARS {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_checked(&format!("rollsafe {}", all.join(" ")), &mut cmd)
}

fn json(dir: &Path, env: &[(&str, &str)]) -> (i32, Value) {
    let out = check(dir, &["--format", "json"], env);
    (out.code, out.json("check --format json"))
}

/// The findings of `rule` in a JSON report.
fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .map(|a| a.iter().filter(|f| f["rule"] == rule).collect())
        .unwrap_or_default()
}

#[test]
fn off_by_default_a_reason_is_enough_and_the_signoff_is_shown() {
    let dir = sql_project("", &breaking(""));
    let (code, report) = json(dir.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    let drop = findings(&report, "drop-column");
    assert_eq!(drop.len(), 1);
    assert_eq!(drop[0]["suppressed"], true);
    assert_eq!(drop[0]["approved_by"], serde_json::json!([]));
    assert_eq!(drop[0]["signoff"], "missing");

    let dir = sql_project("", &breaking("; approved-by: @anyone"));
    let (code, report) = json(dir.path(), &[]);
    assert_eq!(code, 0);
    let drop = findings(&report, "drop-column");
    assert_eq!(drop[0]["approved_by"], serde_json::json!(["@anyone"]));
    assert_eq!(drop[0]["signoff"], "declared");
    assert_eq!(drop[0]["suppression_reason"], "legacy unused since 2024.06");
    let change = &report["migrations"][1]["changes"][0];
    assert_eq!(change["approved_by"], serde_json::json!(["@anyone"]));
    assert_eq!(change["signoff"], "declared");
    let human = check(dir.path(), &[], &[]);
    assert!(
        human
            .stdout
            .contains("(reason: legacy unused since 2024.06; approved-by: @anyone)"),
        "{}",
        human.stdout
    );
}

#[test]
fn declared_without_signoff_waives_nothing_and_says_who_may_sign_off() {
    let dir = sql_project(DECLARED, &breaking(""));
    let out = check(dir.path(), &[], &[]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains("error[override-without-signoff]"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("`@acme/db-team`, `@alice`"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("error[drop-column]"), "{}", out.stdout);
    assert!(out.stdout.contains("it has no signoff"), "{}", out.stdout);
    let (_, report) = json(dir.path(), &[]);
    let drop = findings(&report, "drop-column");
    assert_eq!(drop[0]["suppressed"], false);
    assert_eq!(drop[0]["signoff"], "missing");
    let about = findings(&report, "override-without-signoff");
    assert_eq!(about.len(), 1);
    assert_eq!(about[0]["severity"], "error");
    assert_eq!(about[0]["line"], 1);
    assert_eq!(about[0]["signoff"], "missing");
}

#[test]
fn declared_signoff_by_a_non_approver_names_them() {
    let dir = sql_project(DECLARED, &breaking("; approved-by: @bob"));
    let (code, report) = json(dir.path(), &[]);
    assert_eq!(code, 1);
    let about = findings(&report, "override-without-signoff");
    let message = about[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`@bob` is not among the approvers"),
        "{message}"
    );
    assert_eq!(about[0]["approved_by"], serde_json::json!(["@bob"]));
}

#[test]
fn declared_signoff_by_an_approver_waives() {
    for handles in ["@alice", "@acme/db-team", "@bob, @Alice"] {
        let dir = sql_project(DECLARED, &breaking(&format!("; approved-by: {handles}")));
        let (code, report) = json(dir.path(), &[]);
        assert_eq!(code, 0, "{handles}: {report:#}");
        let drop = findings(&report, "drop-column");
        assert_eq!(drop[0]["suppressed"], true, "{handles}");
        assert_eq!(drop[0]["signoff"], "declared", "{handles}");
        assert!(findings(&report, "override-without-signoff").is_empty());
    }
    let dir = sql_project(DECLARED, &breaking("; approved-by: @alice"));
    let out = check(dir.path(), &[], &[]);
    assert!(
        out.stdout
            .contains("(reason: legacy unused since 2024.06; approved-by: @alice, declared)"),
        "{}",
        out.stdout
    );
}

#[test]
fn only_the_last_approved_by_segment_is_the_signoff() {
    let comment =
        "-- compat: breaking (reason: moved; approved-by: @alice; see 42; approved-by: @bob)";
    let dir = sql_project(DECLARED, comment);
    let (code, report) = json(dir.path(), &[]);
    assert_eq!(code, 1, "@bob signs off, not @alice: {report:#}");
    let drop = findings(&report, "drop-column");
    assert_eq!(drop[0]["approved_by"], serde_json::json!(["@bob"]));

    let comment = "-- compat: breaking (reason: moved; see ticket 42; approved-by: @alice)";
    let dir = sql_project(DECLARED, comment);
    let (code, report) = json(dir.path(), &[]);
    assert_eq!(code, 0);
    let drop = findings(&report, "drop-column");
    assert_eq!(drop[0]["suppression_reason"], "moved; see ticket 42");
}

#[test]
fn an_override_that_waives_nothing_is_unused_not_unsigned() {
    let dir = project_dir(&[
        ("rollsafe.toml", DECLARED),
        ("db/migration/V1__init.sql", INIT),
        (
            "db/migration/V2__add.sql",
            "-- compat: breaking (reason: adding a column)\nALTER TABLE users ADD COLUMN n text;\n",
        ),
    ]);
    let (code, report) = json(dir.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(findings(&report, "unused-override").len(), 1);
    assert!(findings(&report, "override-without-signoff").is_empty());
}

#[test]
fn python_comments_carry_the_signoff() {
    let alembic = |comment: &str| {
        project_dir(&[
            ("rollsafe.toml", DECLARED),
            ("alembic.ini", "[alembic]\nscript_location = migrations\n"),
            ("migrations/env.py", "from alembic import context\n"),
            (
                "migrations/versions/a1_init.py",
                "from alembic import op\nimport sqlalchemy as sa\n\nrevision = \"a1\"\ndown_revision = None\n\n\ndef upgrade():\n    op.create_table(\"users\", sa.Column(\"id\", sa.BigInteger(), primary_key=True), sa.Column(\"legacy\", sa.Text(), nullable=True))\n",
            ),
            (
                "migrations/versions/b2_drop.py",
                &format!(
                    "from alembic import op\n\nrevision = \"b2\"\ndown_revision = \"a1\"\n\n\ndef upgrade():\n    {comment}\n    op.drop_column(\"users\", \"legacy\")\n"
                ),
            ),
        ])
    };
    let dir = alembic("# compat: breaking (reason: unused; approved-by: @alice)");
    let (code, report) = json(dir.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(findings(&report, "drop-column")[0]["signoff"], "declared");
    let dir = alembic("# compat: breaking (reason: unused; approved-by: @mallory)");
    let (code, report) = json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(findings(&report, "override-without-signoff").len(), 1);

    let django = |comment: &str| {
        let init = "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    initial = True\n    dependencies = []\n    operations = [\n        migrations.CreateModel(name=\"Customer\", fields=[(\"id\", models.BigAutoField(primary_key=True)), (\"email\", models.TextField(null=True))]),\n    ]\n";
        let change = format!(
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [(\"shop\", \"0001_initial\")]\n    operations = [\n        {comment}\n        migrations.RemoveField(model_name=\"customer\", name=\"email\"),\n    ]\n"
        );
        project_dir(&[
            ("rollsafe.toml", DECLARED),
            ("shop/__init__.py", ""),
            ("shop/migrations/__init__.py", ""),
            ("shop/migrations/0001_initial.py", init),
            ("shop/migrations/0002_drop.py", &change),
        ])
    };
    let dir = django("# compat: breaking (reason: unused; approved-by: @acme/db-team)");
    let (code, report) = json(dir.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        findings(&report, "drop-column")[0]["approved_by"],
        serde_json::json!(["@acme/db-team"])
    );
    let dir = django("# compat: breaking (reason: unused)");
    let (code, report) = json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(findings(&report, "override-without-signoff").len(), 1);
}

/// A git repository with CODEOWNERS at `codeowners_path` and the SQL project under `sub`.
fn codeowners_repo(
    codeowners_path: &str,
    owners: &str,
    sub: &str,
    comment: &str,
) -> tempfile::TempDir {
    let dir = git_repo();
    write(dir.path(), codeowners_path, owners.as_bytes());
    let at = |rel: &str| {
        if sub.is_empty() {
            rel.to_string()
        } else {
            format!("{sub}/{rel}")
        }
    };
    write(dir.path(), &at("rollsafe.toml"), CODEOWNERS.as_bytes());
    write(
        dir.path(),
        &at("db/migration/V1__init.sql"),
        INIT.as_bytes(),
    );
    write(
        dir.path(),
        &at("db/migration/V2__drop_legacy.sql"),
        format!("{comment}\nALTER TABLE users DROP COLUMN legacy;\n").as_bytes(),
    );
    dir
}

fn codeowners_verdict(owners: &str, signer: &str) -> (i32, Value) {
    let dir = codeowners_repo(
        ".github/CODEOWNERS",
        owners,
        "",
        &breaking(&format!("; approved-by: {signer}")),
    );
    json(dir.path(), &[])
}

#[test]
fn codeowners_patterns_and_last_match_wins() {
    let owners = "* @app-team\n/db/migration/ @carol @acme/db-team\n";
    assert_eq!(codeowners_verdict(owners, "@carol").0, 0);
    assert_eq!(
        codeowners_verdict(owners, "@acme/db-team").0,
        0,
        "teams sign off"
    );
    let (code, report) = codeowners_verdict(owners, "@app-team");
    assert_eq!(code, 1, "@app-team owns other files, not the migration");
    let message = findings(&report, "override-without-signoff")[0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(message.contains(".github/CODEOWNERS line 2"), "{message}");
    assert!(message.contains("`@carol`, `@acme/db-team`"), "{message}");
    // The last matching line wins even when an earlier one names the file more precisely.
    let owners = "*.sql @sql-team\n/db/ @dba\n";
    assert_eq!(codeowners_verdict(owners, "@dba").0, 0);
    assert_eq!(codeowners_verdict(owners, "@sql-team").0, 1);
    // Unanchored names match at any depth; `docs/*`-style patterns only one level deep.
    assert_eq!(codeowners_verdict("migration/ @m\n", "@m").0, 0);
    assert_eq!(codeowners_verdict("/db/* @shallow\n", "@shallow").0, 1);
    assert_eq!(
        codeowners_verdict("/db/migration/* @direct\n", "@direct").0,
        0
    );
    assert_eq!(codeowners_verdict("/db/**/V2__*.sql @glob\n", "@glob").0, 0);
    assert_eq!(
        codeowners_verdict("/DB/ @case\n", "@case").0,
        1,
        "case-sensitive paths"
    );
}

#[test]
fn codeowners_without_an_owner_for_the_file() {
    let (code, report) = codeowners_verdict("* @all\n/db/migration/\n", "@all");
    assert_eq!(code, 1);
    let message = findings(&report, "override-without-signoff")[0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(message.contains("without code owners"), "{message}");
    let (code, report) = codeowners_verdict("/src/ @dev\n", "@dev");
    assert_eq!(code, 1);
    let message = findings(&report, "override-without-signoff")[0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains("no line of .github/CODEOWNERS matches"),
        "{message}"
    );
}

#[test]
fn codeowners_file_locations_and_monorepos() {
    // No CODEOWNERS anywhere: nobody can sign off, and the finding says where it looked.
    let dir = codeowners_repo("unrelated.txt", "", "", &breaking("; approved-by: @carol"));
    let (code, report) = json(dir.path(), &[]);
    assert_eq!(code, 1);
    let message = findings(&report, "override-without-signoff")[0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains(".github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS"),
        "{message}"
    );
    // docs/CODEOWNERS is read when it is the only one; the first of the three wins.
    let dir = codeowners_repo(
        "docs/CODEOWNERS",
        "* @docs-owner\n",
        "",
        &breaking("; approved-by: @docs-owner"),
    );
    assert_eq!(json(dir.path(), &[]).0, 0);
    write(dir.path(), "CODEOWNERS", b"* @root-owner\n");
    assert_eq!(
        json(dir.path(), &[]).0,
        1,
        "CODEOWNERS comes before docs/CODEOWNERS"
    );
    // A project in a subfolder: patterns are relative to the repository root.
    let dir = codeowners_repo(
        ".github/CODEOWNERS",
        "/services/billing/db/ @billing\n/db/ @wrong\n",
        "services/billing",
        &breaking("; approved-by: @billing"),
    );
    let (code, report) = json(&dir.path().join("services/billing"), &[]);
    assert_eq!(code, 0, "{report:#}");
}

/// A folder with a stand-in `gh` that prints `$GH_STANDIN_REVIEWS` (a file) for the reviews
/// endpoint of acme/shop#7, records its arguments in `$GH_STANDIN_LOG`, and fails on anything
/// else or when `$GH_STANDIN_FAIL` is set.
fn standin_gh() -> tempfile::TempDir {
    let bin = tempfile::tempdir().expect("temp dir");
    let script = r#"#!/bin/sh
[ -n "$GH_STANDIN_LOG" ] && echo "$*" >>"$GH_STANDIN_LOG"
if [ -n "$GH_STANDIN_FAIL" ]; then echo "HTTP 403: Resource not accessible by integration" >&2; exit 1; fi
case "$*" in
  "api repos/acme/shop/pulls/7/reviews --paginate") cat "$GH_STANDIN_REVIEWS" ;;
  *) echo "unexpected: gh $*" >&2; exit 1 ;;
esac
"#;
    let path = bin.path().join("gh");
    std::fs::write(&path, script).expect("write gh");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    bin
}

/// A pull-request run of acme/shop#7 with the stand-in `gh` first on PATH and `reviews` as the
/// API's answer.
struct PullRequestRun {
    bin: tempfile::TempDir,
    files: tempfile::TempDir,
}

impl PullRequestRun {
    fn new(reviews: &str) -> Self {
        let files = tempfile::tempdir().expect("temp dir");
        std::fs::write(files.path().join("reviews.json"), reviews).expect("write");
        std::fs::write(
            files.path().join("event.json"),
            r#"{"action": "opened", "pull_request": {"number": 7, "head": {"sha": "abc"}}}"#,
        )
        .expect("write");
        PullRequestRun {
            bin: standin_gh(),
            files,
        }
    }

    fn path(&self, name: &str) -> String {
        self.files.path().join(name).display().to_string()
    }

    fn env(&self) -> Vec<(String, String)> {
        let path = format!(
            "{}:{}",
            self.bin.path().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        vec![
            ("GITHUB_ACTIONS".into(), "true".into()),
            ("GITHUB_EVENT_NAME".into(), "pull_request".into()),
            ("GITHUB_EVENT_PATH".into(), self.path("event.json")),
            ("GITHUB_REPOSITORY".into(), "acme/shop".into()),
            ("GH_TOKEN".into(), "stand-in".into()),
            ("GH_STANDIN_REVIEWS".into(), self.path("reviews.json")),
            ("GH_STANDIN_LOG".into(), self.path("gh.log")),
            ("PATH".into(), path),
        ]
    }

    /// `check ARGS` with this run's environment, minus `unset`, plus `extra`.
    fn check(&self, dir: &Path, args: &[&str], unset: &[&str], extra: &[(&str, &str)]) -> Out {
        let env = self.env();
        let mut pairs: Vec<(&str, &str)> = env
            .iter()
            .filter(|(k, _)| !unset.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pairs.extend_from_slice(extra);
        check(dir, args, &pairs)
    }

    fn gh_calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.files.path().join("gh.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

fn review(login: &str, state: &str) -> String {
    format!(
        r#"{{"id": 1, "user": {{"login": "{login}"}}, "state": "{state}", "commit_id": "abc", "submitted_at": "2026-01-01T00:00:00Z"}}"#
    )
}

fn github_project(signer: &str) -> tempfile::TempDir {
    let dir = git_repo();
    write(
        dir.path(),
        ".github/CODEOWNERS",
        b"* @app-team\n/db/migration/ @carol @acme/db-team\n",
    );
    write(dir.path(), "rollsafe.toml", GITHUB.as_bytes());
    write(dir.path(), "db/migration/V1__init.sql", INIT.as_bytes());
    write(
        dir.path(),
        "db/migration/V2__drop_legacy.sql",
        format!(
            "{}\nALTER TABLE users DROP COLUMN legacy;\n",
            breaking(&format!("; approved-by: {signer}"))
        )
        .as_bytes(),
    );
    dir
}

#[test]
fn github_verifies_the_approval_on_the_pull_request() {
    let run = PullRequestRun::new(&format!(
        "[{}, {}]",
        review("carol", "APPROVED"),
        review("dave", "COMMENTED")
    ));
    let dir = github_project("@carol");
    let out = run.check(dir.path(), &["--format", "json"], &[], &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    let report = out.json("github json");
    let drop = findings(&report, "drop-column");
    assert_eq!(drop[0]["signoff"], "verified");
    assert_eq!(drop[0]["approved_by"], serde_json::json!(["@carol"]));
    assert_eq!(
        run.gh_calls(),
        vec!["api repos/acme/shop/pulls/7/reviews --paginate".to_string()]
    );
    assert!(out.stderr.is_empty(), "no fallback: {}", out.stderr);
    let human = run.check(dir.path(), &["--format", "human"], &[], &[]);
    assert!(
        human
            .stdout
            .contains("approved-by: @carol, verified on pull request #7"),
        "{}",
        human.stdout
    );
    let sarif = run.check(dir.path(), &["--format", "sarif"], &[], &[]);
    let doc = sarif.json("sarif");
    let justification = doc["runs"][0]["results"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["ruleId"] == "drop-column"))
        .map(|r| r["suppressions"][0]["justification"].clone());
    assert_eq!(
        justification,
        Some(Value::from(
            "legacy unused since 2024.06; approved-by: @carol, verified on pull request #7"
        ))
    );
}

#[test]
fn github_refuses_comments_change_requests_and_teams() {
    let cases = [
        (
            format!("[{}]", review("carol", "COMMENTED")),
            "@carol",
            "`@carol` has only commented",
        ),
        (
            format!(
                "[{}, {}]",
                review("carol", "APPROVED"),
                review("carol", "CHANGES_REQUESTED")
            ),
            "@carol",
            "`@carol` requested changes",
        ),
        (
            format!(
                "[{}, {}]",
                review("carol", "APPROVED"),
                review("carol", "DISMISSED")
            ),
            "@carol",
            "`@carol` had the review dismissed",
        ),
        ("[]".to_string(), "@carol", "`@carol` has not reviewed it"),
        (
            format!("[{}]", review("carol", "APPROVED")),
            "@acme/db-team",
            "`@acme/db-team` is a team",
        ),
    ];
    for (reviews, signer, why) in cases {
        let run = PullRequestRun::new(&reviews);
        let dir = github_project(signer);
        let out = run.check(dir.path(), &["--format", "human"], &[], &[]);
        assert_eq!(out.code, 1, "{signer} with {reviews}: {}", out.all());
        assert!(
            out.stdout.contains("error[override-without-signoff]"),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains("pull request #7"), "{}", out.stdout);
        assert!(out.stdout.contains(why), "{why}: {}", out.stdout);
    }
    // A later comment keeps an approval.
    let run = PullRequestRun::new(&format!(
        "[{}, {}]",
        review("carol", "APPROVED"),
        review("carol", "COMMENTED")
    ));
    assert_eq!(
        run.check(github_project("@carol").path(), &[], &[], &[])
            .code,
        0
    );
}

/// A way for verification to be unavailable: variables unset, variables set, what is said.
type Fallback = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    &'static str,
);

#[test]
fn github_fallbacks_are_said_once_and_judged_as_declared() {
    let approved = format!("[{}]", review("carol", "APPROVED"));
    let cases: [Fallback; 5] = [
        (&["GITHUB_EVENT_PATH"], &[], "GITHUB_EVENT_PATH is not set"),
        (
            &["GH_TOKEN"],
            &[],
            "neither GH_TOKEN nor GITHUB_TOKEN is set",
        ),
        (
            &["PATH"],
            &[("PATH", "/nonexistent")],
            "`gh` is not on PATH",
        ),
        (&[], &[("GH_STANDIN_FAIL", "1")], "HTTP 403"),
        (&["GITHUB_REPOSITORY"], &[], "GITHUB_REPOSITORY is not set"),
    ];
    for (unset, extra, why) in cases {
        let run = PullRequestRun::new(&approved);
        // Two overrides: the fallback is said once all the same.
        let dir = github_project("@carol");
        write(
            dir.path(),
            "db/migration/V3__drop_old.sql",
            b"-- compat: breaking (reason: old unused; approved-by: @acme/db-team)\nALTER TABLE users DROP COLUMN old;\n",
        );
        let out = run.check(dir.path(), &["--format", "human"], unset, extra);
        assert_eq!(
            out.code,
            0,
            "{why}: declared approvers sign off: {}",
            out.all()
        );
        let warnings: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("warning:"))
            .collect();
        assert_eq!(warnings.len(), 1, "{why}: said once: {}", out.stderr);
        assert!(warnings[0].contains(why), "{why}: {}", warnings[0]);
        assert!(
            warnings[0].contains("signoff = \"declared\""),
            "{}",
            warnings[0]
        );
        assert!(
            out.stdout.contains("approved-by: @carol, declared"),
            "{why}: {}",
            out.stdout
        );
        let report = run
            .check(dir.path(), &["--format", "json"], unset, extra)
            .json("json");
        let notes = report["notes"].as_array().map(Vec::len);
        assert_eq!(notes, Some(1), "{why}: {report:#}");
        assert_eq!(findings(&report, "drop-column")[0]["signoff"], "declared");
        // Declared rules still hold: a non-approver does not get through.
        let dir = github_project("@mallory");
        assert_eq!(run.check(dir.path(), &[], unset, extra).code, 1, "{why}");
    }
}

#[test]
fn github_outside_a_pull_request_and_in_other_formats() {
    let run = PullRequestRun::new("[]");
    let push = run.path("push.json");
    std::fs::write(&push, r#"{"ref": "refs/heads/main"}"#).expect("write");
    let dir = github_project("@carol");
    let env = [
        ("GITHUB_EVENT_PATH", push.as_str()),
        ("GITHUB_EVENT_NAME", "push"),
    ];
    let out = run.check(
        dir.path(),
        &["--format", "github"],
        &["GITHUB_EVENT_PATH", "GITHUB_EVENT_NAME"],
        &env,
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let notes: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("::warning title=rollsafe::"))
        .collect();
    assert_eq!(notes.len(), 1, "{}", out.stdout);
    assert!(
        notes[0].contains("not for a pull request (event `push`)"),
        "{}",
        notes[0]
    );
    assert!(
        out.stderr.is_empty(),
        "the annotation says it: {}",
        out.stderr
    );
    assert!(run.gh_calls().is_empty(), "no pull request, no gh call");
    let sarif = run
        .check(
            dir.path(),
            &["--format", "sarif"],
            &["GITHUB_EVENT_PATH"],
            &env,
        )
        .json("sarif");
    let notifications = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notifications.as_array().map(Vec::len), Some(1), "{sarif:#}");
}

#[test]
fn github_reads_no_reviews_when_there_is_no_override() {
    let run = PullRequestRun::new("[]");
    let dir = project_dir(&[
        ("rollsafe.toml", GITHUB),
        ("db/migration/V1__init.sql", INIT),
    ]);
    let out = run.check(dir.path(), &[], &[], &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(run.gh_calls().is_empty());
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn configuration_errors_name_the_line() {
    let cases = [
        (
            "[overrides]\nsignoff = \"declared\"\n",
            ":2:",
            "needs `approvers`",
        ),
        (
            "[overrides]\nsignoff = \"github\"\napprovers = []\n",
            ":3:",
            "approvers is empty",
        ),
        (
            "[overrides]\nsignoff = \"declared\"\napprovers = [\"alice\"]\n",
            ":3:",
            "`alice` is not a handle",
        ),
        (
            "[overrides]\nsignoff = \"declared\"\napprovers = \"owners\"\n",
            ":3:",
            "expected \"codeowners\"",
        ),
        (
            "[overrides]\nsignoff = \"always\"\napprovers = \"codeowners\"\n",
            ":2:",
            "always",
        ),
        ("[overrides]\nsignof = \"declared\"\n", ":2:", "signof"),
    ];
    for (config, line, needle) in cases {
        let dir = sql_project(config, &breaking(""));
        let out = check(dir.path(), &[], &[]);
        assert_eq!(out.code, 2, "{config}: {}", out.all());
        assert!(
            out.stderr.contains(&format!("rollsafe.toml{line}")),
            "{config}: {}",
            out.stderr
        );
        assert!(out.stderr.contains(needle), "{config}: {}", out.stderr);
    }
    // The same keys under [tool.rollsafe.overrides] in pyproject.toml.
    let dir = project_dir(&[
        (
            "pyproject.toml",
            "[tool.rollsafe.overrides]\nsignoff = \"declared\"\napprovers = [\"@alice\"]\n",
        ),
        ("db/migration/V1__init.sql", INIT),
        (
            "db/migration/V2__drop_legacy.sql",
            &format!("{}\nALTER TABLE users DROP COLUMN legacy;\n", breaking("")),
        ),
    ]);
    assert_eq!(check(dir.path(), &[], &[]).code, 1);
}

#[test]
fn rollback_shows_the_signoff_of_an_override() {
    let dir = git_repo();
    common::commit_files(dir.path(), &[("db/migration/V1__init.sql", INIT)], "v1");
    write(
        dir.path(),
        "db/migration/V2__drop_legacy.sql",
        format!(
            "{}\nALTER TABLE users DROP COLUMN legacy;\n",
            breaking("; approved-by: @alice, @acme/db-team")
        )
        .as_bytes(),
    );
    let out = common::rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains(
            "(reason: legacy unused since 2024.06; approved-by: @alice, @acme/db-team); an \
             override accepts the break"
        ),
        "{}",
        out.stdout
    );
    let report = common::rollsafe(dir.path(), &["rollback", "v1", "--format", "json"]).json("json");
    let breakage = &report["breakages"][0];
    assert_eq!(
        breakage["approved_by"],
        serde_json::json!(["@alice", "@acme/db-team"])
    );
}
