//! The environment around the migrations: git revisions, configuration, paths.

use crate::common::{Out, commit_all, git, rollsafe_cmd, run_checked, write};
use crate::good::*;
use crate::matrix::check_row_in;

/// The good project committed as `v1` in a fresh repository.
fn git_project() -> tempfile::TempDir {
    let dir = good_project();
    git(dir.path(), &["init", "-q", "-b", "main", "."]);
    commit_all(dir.path(), "v1");
    dir
}

/// Asserts a run refused with exit 2: a message naming `needles` on stderr, nothing on stdout.
fn assert_refused(label: &str, out: &Out, needles: &[&str]) {
    assert_eq!(
        out.code, 2,
        "{label}: exit code\n{}{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.is_empty(),
        "{label}: a refused run prints no report:\n{}",
        out.stdout
    );
    assert!(
        out.stderr.starts_with("error: "),
        "{label}: stderr: {}",
        out.stderr
    );
    for needle in needles {
        assert!(
            out.stderr.contains(needle),
            "{label}: no {needle:?} in {}",
            out.stderr
        );
    }
}

#[test]
fn unknown_git_revision() {
    let dir = git_project();
    for args in [
        &["rollback", "nosuchrev"][..],
        &["rollback", "nosuchrev", "--format", "json"],
        &["rollback", "v1", "--from", "nosuchrev"],
        &["check", "--changed-since", "nosuchrev"],
        &["check", "--changed-since", "nosuchrev", "--format", "json"],
        &["schema", "--at", "nosuchrev"],
        &["schema", "--at", "nosuchrev", "--format", "json"],
    ] {
        let label = format!("unknown git revision: {}", args.join(" "));
        let out = run_checked(&label, &mut rollsafe_cmd(dir.path(), args));
        assert_refused(&label, &out, &["`nosuchrev`", "recent tags: v1"]);
    }
    // The same commands with a revision that exists read the good project.
    write(
        dir.path(),
        "db/migration/V3__add.sql",
        b"ALTER TABLE users ADD COLUMN z int;\n",
    );
    let label = "known git revision";
    let out = run_checked(label, &mut rollsafe_cmd(dir.path(), &["rollback", "v1"]));
    assert_eq!(out.code, 0, "{label}: {}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("V3__add.sql"),
        "{label}: {}",
        out.stdout
    );
    let out = run_checked(
        label,
        &mut rollsafe_cmd(dir.path(), &["check", "--changed-since", "v1"]),
    );
    assert_eq!(out.code, 0, "{label}: {}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("checked 1 file,"),
        "{label}: {}",
        out.stdout
    );
    let out = run_checked(
        label,
        &mut rollsafe_cmd(dir.path(), &["schema", "--at", "v1"]),
    );
    assert_eq!(out.code, 0, "{label}: {}{}", out.stdout, out.stderr);
    for table in ["users", "accounts", "shop_customer"] {
        assert!(
            out.stdout.contains(table),
            "{label}: no {table} in {}",
            out.stdout
        );
    }
}

/// A shallow clone lacks the revisions beyond its boundary: exit 2 with the fix; `check` there
/// still reads everything.
#[test]
fn shallow_clone_beyond_the_boundary() {
    let origin = git_project();
    let old = git(origin.path(), &["rev-parse", "HEAD"]);
    write(
        origin.path(),
        "db/migration/V3__add.sql",
        b"ALTER TABLE users ADD COLUMN z int;\n",
    );
    commit_all(origin.path(), "v2");
    let clones = tempfile::tempdir().expect("temp dir");
    let url = format!("file://{}", origin.path().display());
    git(clones.path(), &["clone", "-q", "--depth", "1", &url, "c"]);
    let clone = clones.path().join("c");
    for args in [
        &["rollback", old.as_str()][..],
        &["rollback", "HEAD~1"],
        &["check", "--changed-since", old.as_str()],
        &["schema", "--at", old.as_str()],
    ] {
        let label = format!("shallow clone: {}", args.join(" "));
        let out = run_checked(&label, &mut rollsafe_cmd(&clone, args));
        assert_refused(
            &label,
            &out,
            &[args[args.len() - 1], "git fetch --unshallow"],
        );
    }
    let row = Row::new("shallow clone: check", Vec::new(), 0).checked(GOOD_FILES + 1);
    check_row_in(&row, &|args| {
        run_checked(row.name, &mut rollsafe_cmd(&clone, args))
    });
}

/// A bad configuration file stops the run (exit 2) at its file and line; without it the same
/// project checks.
#[test]
fn bad_configuration_points_at_the_line() {
    let dir = good_project();
    for (what, file, body, needle) in [
        (
            "syntax error",
            "rollsafe.toml",
            "[rules\n",
            "rollsafe.toml:1",
        ),
        (
            "unknown key",
            "rollsafe.toml",
            "dialect = \"postgres\"\nno_such_key = 1\n",
            "rollsafe.toml:2",
        ),
        (
            "unknown rule",
            "rollsafe.toml",
            "[rules]\ndrop-columns = \"off\"\n",
            "rollsafe.toml:2",
        ),
        (
            "bad severity",
            "rollsafe.toml",
            "[rules]\ndrop-column = \"loud\"\n",
            "rollsafe.toml:2",
        ),
        (
            "bad type",
            "rollsafe.toml",
            "exclude = \"notalist\"\n",
            "rollsafe.toml:1",
        ),
        (
            "bad dialect",
            "rollsafe.toml",
            "\ndialect = \"oracle\"\n",
            "rollsafe.toml:2",
        ),
        (
            "unknown key in pyproject.toml",
            "pyproject.toml",
            "[tool.rollsafe]\n\nno_such_key = 1\n",
            "pyproject.toml:3",
        ),
        (
            "syntax error in pyproject.toml",
            "pyproject.toml",
            "[project]\nname = \"x\n",
            "pyproject.toml:2",
        ),
    ] {
        let label = format!("bad config: {what}");
        let _ = std::fs::remove_file(dir.path().join("rollsafe.toml"));
        let _ = std::fs::remove_file(dir.path().join("pyproject.toml"));
        write(dir.path(), file, body.as_bytes());
        for args in [&["check"][..], &["check", "--format", "json"]] {
            let out = run_checked(&label, &mut rollsafe_cmd(dir.path(), args));
            assert_refused(&label, &out, &[needle]);
        }
        // From a subfolder, found walking up: the same location.
        let out = run_checked(
            &label,
            &mut rollsafe_cmd(&dir.path().join("db"), &["check"]),
        );
        assert_refused(&label, &out, &[needle]);
    }
    std::fs::remove_file(dir.path().join("pyproject.toml")).expect("rm");
    let row = Row::new("config removed", Vec::new(), 0);
    check_row_in(&row, &|args| {
        run_checked(row.name, &mut rollsafe_cmd(dir.path(), args))
    });
}

/// A path that does not exist: exit 2 naming it; existing paths are checked.
#[test]
fn path_that_does_not_exist() {
    let dir = good_project();
    for (args, needle) in [
        (
            &["check", "db/migration/V9__nope.sql"][..],
            "db/migration/V9__nope.sql",
        ),
        (
            &["check", "db/migration/V2__check.sql", "no/such/dir"],
            "no/such/dir",
        ),
        (&["check", "--root", "no/such/dir"], "no/such/dir"),
        (&["check", "--config", "nope.toml"], "nope.toml"),
        (&["schema", "--root", "no/such/dir"], "no/such/dir"),
        (&["rollback", "1", "--applied", "nope.txt"], "nope.txt"),
    ] {
        let label = format!("path that does not exist: {}", args.join(" "));
        let out = run_checked(&label, &mut rollsafe_cmd(dir.path(), args));
        assert_refused(&label, &out, &[needle]);
    }
    let label = "existing path";
    let out = run_checked(
        label,
        &mut rollsafe_cmd(dir.path(), &["check", "db/migration/V2__check.sql"]),
    );
    assert_eq!(out.code, 0, "{label}: {}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("db/migration/V2__check.sql:1:19")
            && out.stdout.contains("checked 1 file,"),
        "{label}: {}",
        out.stdout
    );
}
