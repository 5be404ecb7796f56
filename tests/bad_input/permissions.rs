//! Files and folders the user running rollsafe cannot read.

use crate::common::{rollsafe_cmd_as, run_checked};
use crate::good::*;
use crate::matrix::check_row_in;
use std::path::Path;
use std::process::Command;

/// The effective user id, from `/proc/self/status`, else `id -u`.
fn effective_uid() -> Option<u32> {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        let uids = status.lines().find_map(|l| l.strip_prefix("Uid:"))?;
        return uids.split_whitespace().nth(1)?.parse().ok();
    }
    let out = Command::new("id").arg("-u").output().ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// How to run the binary so that permission bits apply: directly when not root, else through
/// `setpriv` or `runuser` as `nobody`. `Err` says why neither works.
fn unprivileged_prefix() -> Result<Vec<String>, String> {
    match effective_uid() {
        Some(0) => {}
        Some(_) => return Ok(Vec::new()),
        None => return Err("cannot tell the user id (no /proc/self/status, no `id -u`)".into()),
    }
    let mut tried = Vec::new();
    for prefix in [
        &[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ][..],
        &["runuser", "-u", "nobody", "--"][..],
    ] {
        match Command::new(prefix[0])
            .args(&prefix[1..])
            .args(["id", "-u"])
            .output()
        {
            Ok(o) if o.status.success() && String::from_utf8_lossy(&o.stdout).trim() != "0" => {
                return Ok(prefix.iter().map(|s| s.to_string()).collect());
            }
            Ok(o) => tried.push(format!(
                "{}: {}",
                prefix[0],
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => tried.push(format!("{}: {e}", prefix[0])),
        }
    }
    Err(format!(
        "running as root, which ignores permission bits, and cannot run as another user ({})",
        tried.join("; ")
    ))
}

pub(crate) fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

/// Dirs 0755 and files 0644 from `dir` down: open to any user.
fn open_up(dir: &Path) {
    chmod(dir, 0o755);
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            open_up(&p);
        } else {
            chmod(&p, 0o644);
        }
    }
}

/// Gives the permissions back (so the temp dir can be removed) even when an assertion fails.
struct Restore(std::path::PathBuf, u32);

impl Drop for Restore {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(self.1));
    }
}

/// A directory and migration files that cannot be read: each is reported where it is, the run
/// fails, and everything else is still checked.
#[test]
fn unreadable_directory_and_files() {
    let prefix = match unprivileged_prefix() {
        Ok(p) => p,
        Err(why) => {
            eprintln!(
                "\n*** SKIPPED unreadable_directory_and_files: {why}; the unreadable-file rows \
                 were NOT tested ***\n"
            );
            return;
        }
    };
    // The other user must reach the tree and the binary: /tmp is open to all.
    let tmp_root = if prefix.is_empty() {
        std::env::temp_dir()
    } else {
        std::path::PathBuf::from("/tmp")
    };
    let bin_dir = tempfile::tempdir_in(&tmp_root).expect("temp dir");
    let mut bin = std::path::PathBuf::from(crate::common::bin());
    let can_run = |bin: &Path| {
        rollsafe_cmd_as(&prefix, bin, bin_dir.path(), &["--version"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    chmod(bin_dir.path(), 0o755);
    if !can_run(&bin) {
        let copy = bin_dir.path().join("rollsafe");
        std::fs::copy(&bin, &copy).expect("copy the binary");
        chmod(&copy, 0o755);
        bin = copy;
        assert!(
            can_run(&bin),
            "the unprivileged user cannot run {}",
            bin.display()
        );
    }

    let rows: Vec<(Row, &str)> = vec![
        (
            Row::new(
                "directory without read permission",
                vec![(
                    "extra/migrations/0001_drop.up.sql",
                    b"DROP TABLE users;\n".to_vec(),
                )],
                0,
            )
            .checked(GOOD_FILES)
            .warns("warning: could not read extra/migrations")
            .warns("Permission denied")
            .warns("migrations in it are not checked"),
            "extra/migrations",
        ),
        (
            Row::new(
                "SQL migration without read permission",
                vec![(
                    "db/migration/V3__secret.sql",
                    b"ALTER TABLE users DROP COLUMN bio;\n".to_vec(),
                )],
                1,
            )
            .finds(at("parse-error", "db/migration/V3__secret.sql", 1, 1))
            .says("db/migration/V3__secret.sql")
            .says("Permission denied"),
            "db/migration/V3__secret.sql",
        ),
        (
            Row::new(
                "Alembic revision without read permission",
                vec![(
                    "migrations/versions/c3_secret.py",
                    alembic_rev("c3", "\"b2\"", "    op.drop_column(\"accounts\", \"note\")")
                        .into_bytes(),
                )],
                1,
            )
            .finds(at("parse-error", "migrations/versions/c3_secret.py", 1, 1))
            .says("migrations/versions/c3_secret.py")
            .says("Permission denied"),
            "migrations/versions/c3_secret.py",
        ),
        (
            Row::new(
                "Django migration without read permission",
                vec![(
                    "shop/migrations/0003_secret.py",
                    django_mig(
                        "(\"shop\", \"0002_check\")",
                        "        migrations.RemoveField(model_name=\"customer\", name=\"nick\"),",
                    )
                    .into_bytes(),
                )],
                1,
            )
            .finds(at("parse-error", "shop/migrations/0003_secret.py", 1, 1))
            .says("shop/migrations/0003_secret.py")
            .says("Permission denied"),
            "shop/migrations/0003_secret.py",
        ),
    ];
    for (row, locked) in &rows {
        let dir = tempfile::tempdir_in(&tmp_root).expect("temp dir");
        fill(dir.path(), &row.files);
        open_up(dir.path());
        let locked = dir.path().join(locked);
        let restore = Restore(locked.clone(), if locked.is_dir() { 0o755 } else { 0o644 });
        chmod(&locked, 0o000);
        check_row_in(row, &|args| {
            run_checked(
                row.name,
                &mut rollsafe_cmd_as(&prefix, &bin, dir.path(), args),
            )
        });
        if locked.is_dir() {
            // Nothing is ahead of V2, but migrations may hide in the folder: not "safe".
            let out = run_checked(
                row.name,
                &mut rollsafe_cmd_as(&prefix, &bin, dir.path(), &["rollback", "V2"]),
            );
            assert_eq!(
                out.code, 3,
                "{}: rollback verdict\n{}",
                row.name, out.stdout
            );
            assert!(
                out.stdout.contains("UNKNOWN") || out.stdout.to_lowercase().contains("unknown"),
                "{}: {}",
                row.name,
                out.stdout
            );
            assert!(
                out.stdout.contains("could not read") && out.stdout.contains("extra/migrations"),
                "{}: names the unread folder: {}",
                row.name,
                out.stdout
            );
        }
        drop(restore);
    }
}
