//! GitHub CODEOWNERS: which file GitHub reads, and who owns a path.
//!
//! The patterns follow gitignore's with GitHub's differences: no `!` negation, no `[ ]` ranges
//! (brackets are literal), a pattern whose last segment is a lone `*` (`docs/*`) matches only
//! the files directly in that folder, and the last matching line wins whatever the depth at
//! which it matches (gitignore lets a match on the file itself beat one on its folder). Paths
//! are case-sensitive. Each line becomes one or two `globset` globs (the globbing the `ignore`
//! crate is built on); the highest line among the matches owns the path.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::path::Path;

/// Where GitHub looks, in the order it looks: the first that exists is the one it uses.
pub const LOCATIONS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// GitHub does not load a CODEOWNERS file of this size or more.
const MAX_BYTES: u64 = 3 * 1024 * 1024;

/// One ownership line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerLine {
    /// 1-based line number in the file.
    pub line: usize,
    pub pattern: String,
    /// Empty: the line takes ownership away from what earlier lines gave.
    pub owners: Vec<String>,
}

/// A parsed CODEOWNERS file.
#[derive(Debug, Clone)]
pub struct CodeOwners {
    /// The file, relative to the repository root (`.github/CODEOWNERS`).
    pub file: String,
    lines: Vec<OwnerLine>,
    set: GlobSet,
    /// For each glob of `set`, the index in `lines` of the line it came from.
    line_of_glob: Vec<usize>,
    /// Lines GitHub would not use either (line number, why).
    pub skipped: Vec<(usize, String)>,
}

impl CodeOwners {
    /// Parses the text of the file named `file` (for messages).
    pub fn parse(file: &str, text: &str) -> CodeOwners {
        let mut lines = Vec::new();
        let mut skipped = Vec::new();
        let mut builder = GlobSetBuilder::new();
        let mut line_of_glob = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let number = i + 1;
            let Some((pattern, owners)) = split_line(raw) else {
                continue;
            };
            if pattern.starts_with('!') {
                skipped.push((
                    number,
                    "`!` negation is not supported in CODEOWNERS".to_string(),
                ));
                continue;
            }
            let mut globs = Vec::new();
            for glob in globs_for(&pattern) {
                match GlobBuilder::new(&glob).literal_separator(true).build() {
                    Ok(g) => globs.push(g),
                    Err(e) => {
                        skipped.push((number, format!("bad pattern `{pattern}`: {e}")));
                        globs.clear();
                        break;
                    }
                }
            }
            if globs.is_empty() {
                continue;
            }
            for g in globs {
                builder.add(g);
                line_of_glob.push(lines.len());
            }
            lines.push(OwnerLine {
                line: number,
                pattern,
                owners,
            });
        }
        let set = builder.build().unwrap_or_else(|_| GlobSet::empty());
        CodeOwners {
            file: file.to_string(),
            lines,
            set,
            line_of_glob,
            skipped,
        }
    }

    /// The line that decides who owns `path` (relative to the repository root, `/`
    /// separators): the last one that matches it. `None`: no line matches.
    pub fn owner_line(&self, path: &str) -> Option<&OwnerLine> {
        self.set
            .matches(path)
            .into_iter()
            .map(|g| self.line_of_glob[g])
            .max()
            .map(|l| &self.lines[l])
    }
}

/// The pattern and owners of one line; `None` for blank and comment lines. Owners end at a
/// `#` that starts a word (an inline comment); `\ ` escapes a space in the pattern.
fn split_line(raw: &str) -> Option<(String, Vec<String>)> {
    let line = raw.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut words = line.split_whitespace();
    let mut pattern = words.next()?.to_string();
    let mut owners = Vec::new();
    let mut in_pattern = true;
    for word in words {
        if in_pattern && pattern.ends_with('\\') {
            pattern.pop();
            pattern.push(' ');
            pattern.push_str(word);
            continue;
        }
        in_pattern = false;
        if word.starts_with('#') {
            break;
        }
        owners.push(word.to_string());
    }
    Some((pattern, owners))
}

/// The globs one pattern stands for.
fn globs_for(pattern: &str) -> Vec<String> {
    let (p, mut anchored) = match pattern.strip_prefix('/') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let (p, folder_only) = match p.strip_suffix('/') {
        Some(p) => (p, true),
        None => (p, false),
    };
    // A slash before the end anchors the pattern at the root, as in gitignore.
    anchored |= p.contains('/');
    let mut glob = String::new();
    if !anchored {
        glob.push_str("**/");
    }
    for c in p.chars() {
        // Literal in CODEOWNERS (GitHub supports no ranges), special to globset.
        if matches!(c, '[' | ']' | '{' | '}') {
            glob.push('\\');
        }
        glob.push(c);
    }
    let last = glob.rsplit('/').next().unwrap_or("");
    if last == "**" {
        vec![glob]
    } else if folder_only {
        vec![format!("{glob}/**")]
    } else if last == "*" {
        // `docs/*`: the files directly in `docs`, not deeper (GitHub, unlike gitignore); a
        // lone `*` is `**/*`, every file.
        vec![glob]
    } else {
        // The path itself, or anything in a folder it names.
        vec![glob.clone(), format!("{glob}/**")]
    }
}

/// The CODEOWNERS file GitHub would use for the repository at `repo_root`: `Ok(None)` when
/// there is none, `Err` when the first that exists cannot be used.
pub fn find(repo_root: &Path) -> Result<Option<CodeOwners>, String> {
    for rel in LOCATIONS {
        let path = repo_root.join(rel);
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        if meta.len() >= MAX_BYTES {
            return Err(format!(
                "{rel} is {} bytes; GitHub does not load a CODEOWNERS file of 3 MB or more",
                meta.len()
            ));
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        return Ok(Some(CodeOwners::parse(rel, &text)));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::CodeOwners;

    fn owners(text: &str, path: &str) -> Option<Vec<String>> {
        CodeOwners::parse("CODEOWNERS", text)
            .owner_line(path)
            .map(|l| l.owners.clone())
            .filter(|o| !o.is_empty())
    }

    fn o(list: &str) -> Option<Vec<String>> {
        Some(list.split(' ').map(str::to_string).collect())
    }

    #[test]
    fn patterns_as_github_documents_them() {
        assert_eq!(owners("* @all", "a/b/c.sql"), o("@all"));
        assert_eq!(owners("*.js @js", "b.js"), o("@js"));
        assert_eq!(owners("*.js @js", "a/b.js"), o("@js"));
        // Anchored folders, and folders of that name anywhere.
        assert_eq!(owners("/build/logs/ @l", "build/logs/a/b"), o("@l"));
        assert_eq!(owners("/build/logs/ @l", "x/build/logs/y"), None);
        assert_eq!(owners("apps/ @a", "a/apps/x/y"), o("@a"));
        assert_eq!(owners("/docs/ @d", "docs/x/y"), o("@d"));
        assert_eq!(owners("/docs/ @d", "a/docs/x"), None);
        assert_eq!(owners("**/logs @l", "a/b/logs/x"), o("@l"));
        assert_eq!(owners("**/logs @l", "logs/x"), o("@l"));
        // `docs/*` owns the files directly in docs/, not deeper, and only at the root.
        assert_eq!(owners("docs/* @d", "docs/a.md"), o("@d"));
        assert_eq!(owners("docs/* @d", "docs/x/a.md"), None);
        assert_eq!(owners("docs/* @d", "x/docs/a.md"), None);
        // A slash in the middle anchors; a name alone matches at any depth.
        assert_eq!(owners("db/migration/ @db", "db/migration/V1.sql"), o("@db"));
        assert_eq!(owners("db/migration/ @db", "x/db/migration/V1.sql"), None);
        assert_eq!(owners("migrations @m", "app/migrations/0001.py"), o("@m"));
        assert_eq!(owners("/db/migration @m", "db/migration/V1.sql"), o("@m"));
        assert_eq!(owners("a/**/b @ab", "a/b"), o("@ab"));
        assert_eq!(owners("a/**/b @ab", "a/x/y/b"), o("@ab"));
        assert_eq!(owners("db/** @s", "db/a/b"), o("@s"));
        assert_eq!(owners("db/*.sql @s", "db/a.sql"), o("@s"));
        assert_eq!(owners("db/*.sql @s", "db/sub/a.sql"), None);
        assert_eq!(owners("V?__x.sql @q", "db/V1__x.sql"), o("@q"));
        assert_eq!(owners("V?__x.sql @q", "db/V10__x.sql"), None);
        assert_eq!(owners("/* @root-files", "README.md"), o("@root-files"));
        assert_eq!(owners("/* @root-files", "db/V1.sql"), None);
    }

    #[test]
    fn paths_are_case_sensitive() {
        assert_eq!(owners("*.SQL @up", "a.sql"), None);
        assert_eq!(owners("/DB/ @up", "db/a.sql"), None);
    }

    #[test]
    fn last_match_wins_whatever_the_depth() {
        let text = "* @app-team\n/db/migration/ @carol @db-team\n";
        assert_eq!(owners(text, "db/migration/V2.sql"), o("@carol @db-team"));
        assert_eq!(owners(text, "src/main.rs"), o("@app-team"));
        // The later line wins even when the earlier one names the file itself.
        assert_eq!(owners("*.sql @sql\n/db/ @db", "db/V1.sql"), o("@db"));
        assert_eq!(owners("/db/ @db\n*.sql @sql", "db/V1.sql"), o("@sql"));
        assert_eq!(owners("/db/ @a\n/db/ @b", "db/x"), o("@b"));
        let line = CodeOwners::parse("CODEOWNERS", text)
            .owner_line("db/migration/V2.sql")
            .map(|l| l.line);
        assert_eq!(line, Some(2));
    }

    #[test]
    fn a_line_without_owners_takes_ownership_away() {
        let text = "/apps/ @octocat\n/apps/github\n";
        assert_eq!(owners(text, "apps/github/x"), None);
        assert_eq!(owners(text, "apps/other/x"), o("@octocat"));
        let matched = CodeOwners::parse("CODEOWNERS", text)
            .owner_line("apps/github/x")
            .map(|l| (l.line, l.owners.len()));
        assert_eq!(matched, Some((2, 0)));
    }

    #[test]
    fn teams_emails_and_comments() {
        let text = "# owners\n\n*.sql @acme/db-team dba@example.com # the DBAs\n";
        assert_eq!(owners(text, "x.sql"), o("@acme/db-team dba@example.com"));
        assert_eq!(owners("*.js @js-owner #inline", "x.js"), o("@js-owner"));
    }

    #[test]
    fn what_github_does_not_support() {
        // Negation: the line is skipped (and said so), the earlier owner stays.
        let parsed = CodeOwners::parse("CODEOWNERS", "* @all\n!db/ @none\n");
        assert_eq!(parsed.skipped.len(), 1);
        assert_eq!(parsed.skipped[0].0, 2);
        assert_eq!(owners("* @all\n!db/ @none\n", "db/x"), o("@all"));
        // Brackets are literal, not a character range.
        assert_eq!(owners("/db/[ab].sql @lit", "db/a.sql"), None);
        assert_eq!(owners("/db/[ab].sql @lit", "db/[ab].sql"), o("@lit"));
        assert_eq!(owners("/db/{a,b}.sql @lit", "db/a.sql"), None);
    }

    #[test]
    fn escaped_spaces_in_patterns() {
        assert_eq!(owners("/my\\ docs/ @d", "my docs/a.md"), o("@d"));
    }

    #[test]
    fn finds_the_file_github_uses() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(matches!(super::find(dir.path()), Ok(None)));
        std::fs::create_dir_all(dir.path().join("docs")).expect("mkdir");
        std::fs::write(dir.path().join("docs/CODEOWNERS"), "* @docs\n").expect("write");
        std::fs::write(dir.path().join("CODEOWNERS"), "* @root\n").expect("write");
        let found = super::find(dir.path()).ok().flatten().map(|c| c.file);
        assert_eq!(found.as_deref(), Some("CODEOWNERS"));
        std::fs::create_dir_all(dir.path().join(".github")).expect("mkdir");
        std::fs::write(dir.path().join(".github/CODEOWNERS"), "* @gh\n").expect("write");
        let found = super::find(dir.path()).ok().flatten();
        assert_eq!(
            found.as_ref().map(|c| c.file.as_str()),
            Some(".github/CODEOWNERS")
        );
        assert_eq!(
            found.and_then(|c| c.owner_line("x").map(|l| l.owners.clone())),
            Some(vec!["@gh".to_string()])
        );
    }
}
