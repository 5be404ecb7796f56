//! Configuration, --changed-since, SARIF and GitHub output, completions.

mod common;
use common::{Out, git, project_dir, rollsafe, rollsafe_env, write};

const INIT: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);\n";

fn dirty() -> tempfile::TempDir {
    project_dir(&[
        ("db/migration/V1__init.sql", INIT),
        (
            "db/migration/V2__drop.sql",
            "ALTER TABLE users DROP COLUMN email;\n",
        ),
        (
            "db/migration/V3__check.sql",
            "ALTER TABLE users ADD CHECK (name <> '');\n",
        ),
    ])
}

#[test]
fn rule_severity_from_rollsafe_toml_and_pyproject() {
    let dir = dirty();
    write(
        dir.path(),
        "rollsafe.toml",
        b"[rules]\ndrop-column = \"warning\"\n",
    );
    let Out {
        code, stdout: out, ..
    } = rollsafe(dir.path(), &["check"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning[drop-column]"), "{out}");
    // Groups, then rules over them.
    write(
        dir.path(),
        "rollsafe.toml",
        b"[rules]\ncontract = \"off\"\nwarning = \"error\"\n",
    );
    let Out {
        code, stdout: out, ..
    } = rollsafe(dir.path(), &["check"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        !out.contains("drop-column") && out.contains("error[add-check-constraint]"),
        "{out}"
    );
    // Flags override the file.
    let Out {
        code, stdout: out, ..
    } = rollsafe(
        dir.path(),
        &["check", "--severity", "add-check-constraint=off"],
    );
    assert_eq!(code, 0, "{out}");
    std::fs::remove_file(dir.path().join("rollsafe.toml")).expect("rm");
    write(
        dir.path(),
        "pyproject.toml",
        b"[project]\nname = \"x\"\n\n[tool.rollsafe.rules]\ndrop-column = \"off\"\n",
    );
    let Out {
        code, stdout: out, ..
    } = rollsafe(dir.path(), &["check"]);
    assert_eq!(code, 0, "{out}");
    // Found walking up from a subfolder.
    let Out { code, .. } = rollsafe(&dir.path().join("db"), &["check"]);
    assert_eq!(code, 0);
}

#[test]
fn roots_exclude_and_baseline() {
    let dir = project_dir(&[
        ("services/billing/db/V1__init.sql", INIT),
        (
            "services/billing/db/V2__drop.sql",
            "ALTER TABLE users DROP COLUMN email;\n",
        ),
        (
            "services/billing/db/V3__add.sql",
            "ALTER TABLE users ADD COLUMN age int;\n",
        ),
        ("services/auth/migrations/0001_init.up.sql", INIT),
        (
            "services/auth/migrations/0002_drop.up.sql",
            "ALTER TABLE users DROP COLUMN name;\n",
        ),
        ("legacy/V1__old.sql", "DROP TABLE users;\n"),
    ]);
    write(
        dir.path(),
        "rollsafe.toml",
        b"exclude = [\"legacy/**\"]\n\n[[roots]]\npath = \"services/billing/db\"\nbaseline = \"2\"\n\n[[roots]]\npath = \"services/auth/migrations\"\n",
    );
    let Out {
        code, stdout: out, ..
    } = rollsafe(dir.path(), &["check"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("0002_drop.up.sql"), "{out}");
    assert!(!out.contains("V2__drop.sql"), "baseline hides V2: {out}");
    assert!(!out.contains("legacy"), "excluded: {out}");
    assert!(out.contains("checked 3 files"), "{out}");
}

#[test]
fn changed_since_reports_only_new_migrations() {
    let dir = dirty();
    git(dir.path(), &["init", "-q", "-b", "main", "."]);
    git(
        dir.path(),
        &["-c", "user.email=t@t", "-c", "user.name=t", "add", "-A"],
    );
    git(
        dir.path(),
        &[
            "-c",
            "user.email=t@t",
            "-c",
            "user.name=t",
            "commit",
            "-qm",
            "base",
        ],
    );
    git(dir.path(), &["checkout", "-qb", "feature"]);
    write(
        dir.path(),
        "db/migration/V4__add.sql",
        b"ALTER TABLE users ADD COLUMN age int;\n",
    );
    git(
        dir.path(),
        &["-c", "user.email=t@t", "-c", "user.name=t", "add", "-A"],
    );
    git(
        dir.path(),
        &[
            "-c",
            "user.email=t@t",
            "-c",
            "user.name=t",
            "commit",
            "-qm",
            "f",
        ],
    );
    let Out {
        code, stdout: out, ..
    } = rollsafe(dir.path(), &["check", "--changed-since", "main"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("checked 1 file"), "{out}");
    // Uncommitted files count too.
    write(
        dir.path(),
        "db/migration/V5__drop.sql",
        b"ALTER TABLE users DROP COLUMN name;\n",
    );
    let Out {
        code, stdout: out, ..
    } = rollsafe(dir.path(), &["check", "--changed-since", "main"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("V5__drop.sql") && !out.contains("V2__drop.sql"),
        "{out}"
    );
    let Out {
        code, stderr: err, ..
    } = rollsafe(dir.path(), &["check", "--changed-since", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("nope"), "{err}");
    let plain = dirty();
    let Out {
        code, stderr: err, ..
    } = rollsafe(plain.path(), &["check", "--changed-since", "main"]);
    assert_eq!(code, 2);
    assert!(err.contains("git"), "{err}");
}

#[test]
fn sarif_output_is_structurally_valid() {
    let dir = project_dir(&[
        ("db/migration/V1__init.sql", INIT),
        (
            "db/migration/V2__drop.sql",
            "-- compat: breaking (reason: moved)\nALTER TABLE users DROP COLUMN email;\nALTER TABLE users DROP COLUMN name;\n",
        ),
    ]);
    let Out {
        code, stdout: out, ..
    } = rollsafe(
        dir.path(),
        &["check", "--format", "sarif", "--severity", "lock=off"],
    );
    assert_eq!(code, 1);
    let j: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(j["version"], "2.1.0");
    let run = &j["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert!(rules.iter().all(|r| {
        r["fullDescription"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    }));
    assert!(rules.iter().all(|r| {
        r["helpUri"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://"))
    }));
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    for r in results {
        let idx = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().expect("line") >= 1);
        assert!(region["startColumn"].as_u64().expect("col") >= 1);
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "db/migration/V2__drop.sql"
        );
    }
    assert_eq!(results[0]["suppressions"][0]["kind"], "inSource");
    assert_eq!(results[0]["suppressions"][0]["justification"], "moved");
    assert!(results[1].get("suppressions").is_none());
}

#[test]
fn github_annotations() {
    let dir = project_dir(&[
        ("db/migration/V1__init.sql", INIT),
        (
            "db/migration/V2__drop.sql",
            "ALTER TABLE users DROP COLUMN email;\n",
        ),
    ]);
    let Out {
        code, stdout: out, ..
    } = rollsafe(
        dir.path(),
        &["check", "--format", "github", "--severity", "lock=off"],
    );
    assert_eq!(code, 1);
    insta::assert_snapshot!("github_annotations", out);
    let Out { stdout: out, .. } =
        rollsafe_env(dir.path(), &["check"], &[("GITHUB_ACTIONS", "true")]);
    assert!(
        out.starts_with("::error file=db/migration/V2__drop.sql,line=1,col=19"),
        "{out}"
    );
    let Out { stdout: out, .. } = rollsafe_env(
        dir.path(),
        &["check", "--format", "human"],
        &[("GITHUB_ACTIONS", "true")],
    );
    assert!(out.starts_with("error[drop-column]"), "{out}");
}

#[test]
fn completions_and_version() {
    let dir = project_dir(&[]);
    for shell in ["bash", "zsh", "fish"] {
        let Out {
            code, stdout: out, ..
        } = rollsafe(dir.path(), &["completions", shell]);
        assert_eq!(code, 0);
        assert!(out.contains("rollback"), "{shell}");
    }
    let Out {
        code, stdout: out, ..
    } = rollsafe(dir.path(), &["--version"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        format!("rollsafe {}", env!("CARGO_PKG_VERSION"))
    );
}
