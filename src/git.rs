//! Reading migration files at a git revision through the `git` command: one `ls-tree -z` and
//! one `cat-file --batch`, never a checkout.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitError(pub String);

impl std::fmt::Display for GitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A git work tree.
#[derive(Debug, Clone)]
pub struct Repo {
    pub root: PathBuf,
}

fn run(dir: &Path, args: &[&str]) -> Result<std::process::Output, GitError> {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            GitError(format!(
                "cannot run git ({e}); is git installed and on PATH?"
            ))
        })
}

impl Repo {
    /// The repository holding `dir`.
    pub fn discover(dir: &Path) -> Result<Repo, GitError> {
        let out = run(dir, &["rev-parse", "--show-toplevel"])?;
        if !out.status.success() {
            return Err(GitError(format!(
                "{} is not inside a git repository; git revisions need one (a migration id \
                 works without git)",
                dir.display()
            )));
        }
        let root = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Ok(Repo {
            root: PathBuf::from(root),
        })
    }

    fn git(&self, args: &[&str]) -> Result<std::process::Output, GitError> {
        run(&self.root, args)
    }

    /// The commit `rev` names, or `None` when it names nothing.
    pub fn resolve(&self, rev: &str) -> Result<Option<String>, GitError> {
        if rev.starts_with('-') {
            return Ok(None);
        }
        let spec = format!("{rev}^{{commit}}");
        let out = self.git(&[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ])?;
        if !out.status.success() {
            return Ok(None);
        }
        Ok(Some(
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
        ))
    }

    pub fn is_shallow(&self) -> bool {
        self.git(&["rev-parse", "--is-shallow-repository"])
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "true")
            .unwrap_or(false)
    }

    /// The most recent tags, for "did you mean" messages.
    pub fn recent_tags(&self, n: usize) -> Vec<String> {
        self.git(&["tag", "--sort=-creatordate"])
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .take(n)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The merge base of `rev` and HEAD.
    pub fn merge_base(&self, rev: &str) -> Result<Option<String>, GitError> {
        self.merge_base_of(rev, "HEAD")
    }

    /// The merge base of `a` and `b`.
    pub fn merge_base_of(&self, a: &str, b: &str) -> Result<Option<String>, GitError> {
        let out = self.git(&["merge-base", "--end-of-options", a, b])?;
        if !out.status.success() {
            return Ok(None);
        }
        Ok(Some(
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
        ))
    }

    /// Every file path at commit `sha`, `/`-separated, relative to the repository root.
    pub fn ls_tree(&self, sha: &str) -> Result<Vec<String>, GitError> {
        let out = self.git(&["ls-tree", "-r", "-z", "--full-tree", "--name-only", sha])?;
        if !out.status.success() {
            return Err(GitError(format!(
                "git ls-tree {sha} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(out
            .stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect())
    }

    /// The contents of `paths` at commit `sha`, through one `git cat-file --batch`.
    pub fn read_blobs(
        &self,
        sha: &str,
        paths: &[String],
    ) -> Result<HashMap<String, Vec<u8>>, GitError> {
        let mut out = HashMap::new();
        if paths.is_empty() {
            return Ok(out);
        }
        let mut child = Command::new("git")
            .args(["cat-file", "--batch"])
            .current_dir(&self.root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| GitError(format!("cannot run git cat-file ({e})")))?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| GitError("git cat-file: no stdin".into()))?;
        let request: String = paths.iter().map(|p| format!("{sha}:{p}\n")).collect();
        // Write from another thread so a large answer cannot deadlock against our request.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(request.as_bytes());
        });
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| GitError("git cat-file: no stdout".into()))?;
        let mut reader = BufReader::new(stdout);
        for path in paths {
            let mut header = String::new();
            if reader
                .read_line(&mut header)
                .map_err(|e| GitError(format!("git cat-file: {e}")))?
                == 0
            {
                break;
            }
            let fields: Vec<&str> = header.split_whitespace().collect();
            if fields.len() < 3 || fields[1] == "missing" {
                continue;
            }
            let size: usize = fields[2]
                .parse()
                .map_err(|_| GitError(format!("git cat-file: bad header {header:?}")))?;
            let mut buf = vec![0u8; size + 1];
            reader
                .read_exact(&mut buf)
                .map_err(|e| GitError(format!("git cat-file: {e}")))?;
            buf.truncate(size);
            if fields[1] == "blob" {
                out.insert(path.clone(), buf);
            }
        }
        let _ = writer.join();
        let _ = child.wait();
        Ok(out)
    }
}

impl Repo {
    /// Whether commit `ancestor` is an ancestor of (or the same as) commit `of`.
    pub fn is_ancestor(&self, ancestor: &str, of: &str) -> Result<bool, GitError> {
        let out = self.git(&["merge-base", "--is-ancestor", ancestor, of])?;
        match out.status.code() {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => Err(GitError(format!(
                "git merge-base --is-ancestor {ancestor} {of} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))),
        }
    }

    /// Which of `words` some text file tracked at `rev`, outside the `exclude` paths (files or
    /// folders relative to the repository root), holds as a whole word, ignoring case (the
    /// words found, lower-cased); and how many files could not be read (a partial clone lacks
    /// their blobs). One `git grep` for all of them.
    pub fn grep_words(
        &self,
        rev: &str,
        words: &[String],
        exclude: &[String],
    ) -> Result<GrepOutcome, GitError> {
        let mut outcome = GrepOutcome::default();
        if words.is_empty() {
            return Ok(outcome);
        }
        let mut args: Vec<String> = ["grep", "-o", "-h", "-I", "-i", "-w", "-F", "--no-color"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for w in words {
            args.push("-e".to_string());
            args.push(w.clone());
        }
        args.extend([rev.to_string(), "--".to_string(), ".".to_string()]);
        args.extend(exclude.iter().map(|p| format!(":(exclude,literal){p}")));
        let mut child = Command::new("git")
            .args(&args)
            .current_dir(&self.root)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| GitError(format!("cannot run git grep ({e})")))?;
        let stderr = child.stderr.take();
        // Drain stderr on the side so a long list of unreadable files cannot block git.
        let errors = std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut e) = stderr {
                let _ = e.read_to_string(&mut text);
            }
            text
        });
        if let Some(stdout) = child.stdout.take() {
            for line in BufReader::new(stdout).split(b'\n') {
                let line = line.map_err(|e| GitError(format!("git grep: {e}")))?;
                let word = String::from_utf8_lossy(&line).to_lowercase();
                if !outcome.found.contains(&word) {
                    outcome.found.insert(word);
                }
            }
        }
        let status = child
            .wait()
            .map_err(|e| GitError(format!("git grep: {e}")))?;
        let stderr = errors.join().unwrap_or_default();
        let unreadable: std::collections::BTreeSet<&str> = stderr
            .lines()
            .filter(|l| l.contains("unable to read"))
            .collect();
        outcome.unreadable = unreadable.len();
        // 0: something found, 1: nothing found; anything else is git failing.
        if !matches!(status.code(), Some(0 | 1)) {
            return Err(GitError(format!(
                "git grep at {rev} failed: {}",
                stderr.trim()
            )));
        }
        Ok(outcome)
    }
}

/// What [`Repo::grep_words`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrepOutcome {
    /// The words found, lower-cased.
    pub found: std::collections::BTreeSet<String>,
    /// Files that could not be read.
    pub unreadable: usize,
}
