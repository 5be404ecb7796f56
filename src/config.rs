//! Configuration: `rollsafe.toml` at the project root, or `[tool.rollsafe]` in
//! `pyproject.toml`, found by walking up from the working directory (`--config` wins).
//! Unknown keys and bad values are errors that point at the line in the file.

use crate::lint::Settings;
use crate::rules::{Group, Rule, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Migration folders, when discovery needs help or for monorepos; relative to the root.
    #[serde(default)]
    pub roots: Vec<RootConfig>,
    /// Default SQL dialect of `.sql` files without an engine in their name.
    pub dialect: Option<DialectName>,
    /// The engines the project targets (`postgres`, `cockroach`, `mysql`, `mariadb`,
    /// `sqlite`…); files for other engines are skipped (default: every engine that has files).
    pub targets: Option<Vec<String>>,

    /// Glob patterns (relative to the root) of paths never to read.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Migrations at or before this id are history: replayed for context, never reported.
    pub baseline: Option<String>,
    /// Rule or group (`contract`, `warning`, `opaque`, `meta`) to severity.
    #[serde(default)]
    pub rules: BTreeMap<String, Level>,
    /// Placeholder values (`schema = "app"`), and per engine (`[placeholders.postgres]`).
    #[serde(default)]
    pub placeholders: BTreeMap<String, toml::Value>,
    /// A project's own placeholder syntaxes, the name's place marked by `*` (`"$%*%$"`).
    #[serde(
        default,
        rename = "placeholder_patterns",
        alias = "placeholder-patterns"
    )]
    pub placeholder_patterns: Vec<String>,
    /// A schema dump (file, or folder of per-engine files) that stands for every migration
    /// up to `baseline_schema_version`.
    #[serde(rename = "baseline_schema", alias = "baseline-schema")]
    pub baseline_schema: Option<String>,
    /// The version the dump stands for (default: the newest it records in
    /// `schema_migrations`).
    #[serde(rename = "baseline_schema_version", alias = "baseline-schema-version")]
    pub baseline_schema_version: Option<String>,
    /// The PostgreSQL version the migrations run on (10 to 18; default: the newest), for the
    /// lock rules.
    #[serde(rename = "postgres_version", alias = "postgres-version")]
    pub postgres_version: Option<toml::Value>,
    /// The `lock_timeout` the migration runner sets for every migration (`"5s"`): then no
    /// migration needs its own `SET lock_timeout`.
    #[serde(rename = "lock_timeout", alias = "lock-timeout")]
    pub lock_timeout: Option<String>,
    /// How `rollback` judges.
    #[serde(default)]
    pub rollback: RollbackConfig,
    /// Who must sign off a `compat: breaking` override.
    #[serde(default)]
    pub overrides: OverridesConfig,
}

/// `[rollback]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollbackConfig {
    /// A breakage of an object that the code at the target never names (outside its
    /// migrations) does not make the verdict unsafe. Off by default: code that builds names at
    /// run time (`f"{prefix}_users"`) is not seen by a text search.
    #[serde(default, alias = "trust-code-search")]
    pub trust_code_search: bool,
}

/// `[overrides]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OverridesConfig {
    /// `off` (a reason is enough), `declared` (`approved-by` names an approver) or `github`
    /// (and that approver approved the pull request).
    #[serde(default)]
    pub signoff: crate::signoff::Mode,
    pub approvers: Option<ApproversConfig>,
}

/// `approvers = ["@team", "@person"]` or `approvers = "codeowners"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApproversConfig {
    Handles(Vec<String>),
    CodeOwners,
}

impl<'de> Deserialize<'de> for ApproversConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ApproversConfig;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(r#"a list of handles (["@org/team", "@person"]) or "codeowners""#)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v == "codeowners" {
                    Ok(ApproversConfig::CodeOwners)
                } else {
                    Err(E::custom(format!(
                        r#"approvers = "{v}": expected "codeowners" or a list of handles (["@org/team", "@person"])"#
                    )))
                }
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut handles = Vec::new();
                while let Some(h) = seq.next_element::<String>()? {
                    handles.push(h);
                }
                Ok(ApproversConfig::Handles(handles))
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RootConfig {
    pub path: String,
    pub framework: Option<FrameworkName>,
    pub dialect: Option<DialectName>,
    pub baseline: Option<String>,
    /// A schema dump for this root's histories (see [`Config::baseline_schema`]).
    #[serde(rename = "baseline_schema", alias = "baseline-schema")]
    pub baseline_schema: Option<String>,
    #[serde(rename = "baseline_schema_version", alias = "baseline-schema-version")]
    pub baseline_schema_version: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FrameworkName {
    Sql,
    Alembic,
    Django,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DialectName {
    Postgres,
    Postgresql,
    Mysql,
    Sqlite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Off,
}

impl DialectName {
    pub fn dialect(self) -> crate::model::Dialect {
        match self {
            DialectName::Postgres | DialectName::Postgresql => crate::model::Dialect::Postgres,
            DialectName::Mysql => crate::model::Dialect::Mysql,
            DialectName::Sqlite => crate::model::Dialect::Sqlite,
        }
    }
}

impl Level {
    fn severity(self) -> Option<Severity> {
        match self {
            Level::Error => Some(Severity::Error),
            Level::Warning => Some(Severity::Warning),
            Level::Off => None,
        }
    }
}

/// A configuration file that was found and read.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub path: PathBuf,
    /// The folder holding the file: the project root.
    pub root: PathBuf,
}

#[derive(Deserialize)]
struct PyProject {
    tool: Option<PyTool>,
}

#[derive(Deserialize)]
struct PyTool {
    rollsafe: Option<Config>,
}

/// An error that names the file and the line.
pub fn located_error(path: &Path, text: &str, err: &toml::de::Error) -> String {
    let msg = err.message().trim().to_string();
    match err.span() {
        Some(span) => {
            let idx = crate::source::LineIndex::new(text);
            let (line, col) = idx.line_col(text, span.start);
            format!("{}:{line}:{col}: {msg}", path.display())
        }
        None => format!("{}: {msg}", path.display()),
    }
}

/// Reads a configuration file: `rollsafe.toml` (the whole file is the configuration), or
/// `pyproject.toml` (`[tool.rollsafe]`, `None` when the section is absent).
pub fn read(path: &Path) -> Result<Option<Config>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(path, &text)
}

/// [`read`] on text already read: `path` names the file (its name tells the form) and locates
/// errors. Public for the fuzz targets.
#[doc(hidden)]
pub fn parse(path: &Path, text: &str) -> Result<Option<Config>, String> {
    let is_pyproject = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy() == "pyproject.toml");
    let config = if is_pyproject {
        let doc: PyProject = toml::from_str(text).map_err(|e| located_error(path, text, &e))?;
        doc.tool.and_then(|t| t.rollsafe)
    } else {
        Some(toml::from_str::<Config>(text).map_err(|e| located_error(path, text, &e))?)
    };
    if let Some(c) = &config {
        validate(c).map_err(|m| {
            let line = find_line(text, &m.0).unwrap_or(1);
            format!("{}:{line}: {}", path.display(), m.1)
        })?;
    }
    Ok(config)
}

/// Semantic checks serde cannot do; the first value names the key to locate.
fn validate(c: &Config) -> Result<(), (String, String)> {
    for key in c.rules.keys() {
        if Rule::from_name(key).is_none() && group_named(key).is_none() {
            let names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
            return Err((
                key.clone(),
                format!(
                    "unknown rule or group `{key}` in [rules]; groups: contract, warning, \
                     lock, opaque, meta; rules: {}",
                    names.join(", ")
                ),
            ));
        }
    }
    if let Some(v) = &c.postgres_version
        && postgres_version(v).is_none()
    {
        return Err((
            "postgres_version".into(),
            format!(
                "postgres_version: {v} is not a PostgreSQL major version rollsafe knows \
                 ({}–{})",
                crate::rules::lock_context::OLDEST_POSTGRES,
                crate::rules::lock_context::NEWEST_POSTGRES
            ),
        ));
    }
    if c.lock_timeout
        .as_deref()
        .is_some_and(|t| t.trim().is_empty())
    {
        return Err((
            "lock_timeout".into(),
            "lock_timeout: give the runner's setting, e.g. \"5s\"".into(),
        ));
    }
    for pat in &c.exclude {
        if let Err(e) = globset::Glob::new(pat) {
            return Err((pat.clone(), format!("bad exclude pattern `{pat}`: {e}")));
        }
    }
    for t in c.targets.iter().flatten() {
        match crate::discover::engine_of(t) {
            Some(e) if e.reads_as.is_some() => {}
            Some(e) => {
                return Err((
                    t.clone(),
                    format!("targets: rollsafe does not read {} migrations", e.label),
                ));
            }
            None => {
                return Err((
                    t.clone(),
                    format!(
                        "targets: unknown engine `{t}`; engines: postgres, cockroach, yugabyte, \
                         mysql, mariadb, sqlite"
                    ),
                ));
            }
        }
    }
    for p in &c.placeholder_patterns {
        crate::frontend::sql::placeholders::Placeholders::parse_pattern(p)
            .map_err(|m| (p.clone(), format!("placeholder_patterns: {m}")))?;
    }
    for (name, value) in &c.placeholders {
        match value {
            toml::Value::Table(t) => {
                if crate::discover::engine_of(name).is_none() {
                    return Err((
                        format!("[placeholders.{name}]"),
                        format!(
                            "[placeholders.{name}]: a table of values must be named after an \
                             engine (postgres, mysql, sqlite…)"
                        ),
                    ));
                }
                if let Some((k, _)) = t.iter().find(|(_, v)| scalar_text(v).is_none()) {
                    return Err((
                        k.clone(),
                        format!("[placeholders.{name}] {k}: a value must be a string or number"),
                    ));
                }
            }
            v if scalar_text(v).is_none() => {
                return Err((
                    name.clone(),
                    format!("[placeholders] {name}: a value must be a string or number"),
                ));
            }
            _ => {}
        }
    }
    validate_overrides(&c.overrides)
}

/// A signoff needs approvers; approvers are handles as GitHub writes them.
fn validate_overrides(o: &OverridesConfig) -> Result<(), (String, String)> {
    use crate::signoff::Mode;
    match &o.approvers {
        None if o.signoff != Mode::Off => Err((
            "signoff".to_string(),
            format!(
                "[overrides] signoff = \"{}\" needs `approvers`: a list of handles \
                 ([\"@org/team\", \"@person\"]) or \"codeowners\"",
                o.signoff
            ),
        )),
        Some(ApproversConfig::Handles(list)) if list.is_empty() => Err((
            "approvers".to_string(),
            "[overrides] approvers is empty: nobody could sign off an override; list handles \
             ([\"@org/team\", \"@person\"]) or use \"codeowners\""
                .to_string(),
        )),
        Some(ApproversConfig::Handles(list)) => match list.iter().find(|h| !is_handle(h)) {
            Some(bad) => Err((
                "approvers".to_string(),
                format!(
                    "[overrides] approvers: `{bad}` is not a handle; write `@person`, \
                         `@org/team` or an e-mail address, as CODEOWNERS does"
                ),
            )),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// `@person`, `@org/team`, or an e-mail address: what CODEOWNERS accepts as an owner.
fn is_handle(h: &str) -> bool {
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match h.strip_prefix('@') {
        Some(rest) => match rest.split_once('/') {
            Some((org, team)) => plain(org) && plain(team),
            None => plain(rest),
        },
        None => h
            .split_once('@')
            .is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.')),
    }
}

/// A placeholder value as text.
fn scalar_text(v: &toml::Value) -> Option<String> {
    match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn find_line(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

/// A major version (`15`, `"15"`, `"15.4"`) in the range rollsafe knows.
fn postgres_version(v: &toml::Value) -> Option<u32> {
    let major = match v {
        toml::Value::Integer(i) => u32::try_from(*i).ok()?,
        toml::Value::String(s) => s.split('.').next()?.trim().parse().ok()?,
        toml::Value::Float(f) if f.is_finite() && *f >= 0.0 => *f as u32,
        _ => return None,
    };
    (crate::rules::lock_context::OLDEST_POSTGRES..=crate::rules::lock_context::NEWEST_POSTGRES)
        .contains(&major)
        .then_some(major)
}

fn group_named(name: &str) -> Option<Group> {
    match name {
        "contract" => Some(Group::Contract),
        "lock" => Some(Group::Lock),
        "warning" => Some(Group::Warning),
        "opaque" => Some(Group::Opaque),
        "meta" => Some(Group::Meta),
        _ => None,
    }
}

/// Finds the configuration for a run started in `start`: the nearest `rollsafe.toml`, or
/// `pyproject.toml` with a `[tool.rollsafe]` section, walking up.
pub fn find(start: &Path) -> Result<Option<Loaded>, String> {
    for dir in start.ancestors() {
        let own = dir.join("rollsafe.toml");
        if own.is_file() {
            let config = read(&own)?.unwrap_or_default();
            return Ok(Some(Loaded {
                config,
                path: own,
                root: dir.to_path_buf(),
            }));
        }
        let py = dir.join("pyproject.toml");
        if py.is_file()
            && let Some(config) = read(&py)?
        {
            return Ok(Some(Loaded {
                config,
                path: py,
                root: dir.to_path_buf(),
            }));
        }
    }
    Ok(None)
}

/// Loads an explicit `--config PATH`.
pub fn load_explicit(path: &Path) -> Result<Loaded, String> {
    let config =
        read(path)?.ok_or_else(|| format!("{}: has no [tool.rollsafe] section", path.display()))?;
    let root = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    Ok(Loaded {
        config,
        path: path.to_path_buf(),
        root,
    })
}

impl Config {
    /// Rule severities: group settings first, then rule settings over them.
    pub fn settings(&self) -> Settings {
        let mut s = Settings::default();
        for (key, level) in &self.rules {
            if let Some(g) = group_named(key) {
                for r in Rule::ALL.iter().filter(|r| r.meta().group == g) {
                    s.severities.insert(*r, level.severity());
                }
            }
        }
        for (key, level) in &self.rules {
            if let Some(r) = Rule::from_name(key) {
                s.severities.insert(r, level.severity());
            }
        }
        if let Some(v) = self.postgres_version.as_ref().and_then(postgres_version) {
            s.postgres.version = v;
        }
        s.postgres.lock_timeout = self.lock_timeout.clone();
        s
    }

    /// How SQL files are read (schema dumps are resolved by the caller, which knows the
    /// root).
    pub fn sql_options(&self) -> crate::project::SqlOptions {
        crate::project::SqlOptions {
            default_dialect: self
                .dialect
                .map(DialectName::dialect)
                .unwrap_or(crate::model::Dialect::Postgres),
            targets: self.targets.as_ref().map(|t| {
                t.iter()
                    .filter_map(|w| crate::discover::engine_of(w))
                    .map(|e| e.name.to_string())
                    .collect()
            }),
            placeholders: self.placeholders(),
            baseline_schemas: Vec::new(),
            flyway_mixed: false,
        }
    }

    /// The schema dumps the configuration names (`baseline_schema`, globally or per root), with
    /// the version each stands for: as configured, else the folder's name (`full_schemas/72`),
    /// else the newest version the dump records in `schema_migrations`.
    pub fn baseline_schemas(
        &self,
        root: &Path,
    ) -> Result<Vec<crate::project::ConfiguredDump>, String> {
        let cfg = self;
        let mut entries: Vec<(&str, Option<&str>, Option<String>)> = Vec::new();
        if let Some(path) = &cfg.baseline_schema {
            entries.push((path, cfg.baseline_schema_version.as_deref(), None));
        }
        for r in &cfg.roots {
            if let Some(path) = &r.baseline_schema {
                entries.push((
                    path,
                    r.baseline_schema_version.as_deref(),
                    Some(r.path.clone()),
                ));
            }
        }
        let mut out = Vec::new();
        for (path, version, for_root) in entries {
            let rel = path.trim_matches('/').to_string();
            let abs = root.join(&rel);
            if !abs.exists() {
                return Err(format!(
                    "baseline_schema {path}: no such file or folder under {}",
                    root.display()
                ));
            }
            let from_name = || {
                abs.file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| crate::discover::Version::parse_folder(n))
                    .map(|(v, _)| v)
                    .filter(|_| abs.is_dir())
            };
            let recorded = || {
                std::fs::read_to_string(&abs)
                    .ok()
                    .and_then(|t| crate::project::recorded_version(&t))
            };
            let version = match version {
                Some(v) => crate::discover::Version::parse_prefix(v.trim_start_matches(['V', 'v']))
                    .filter(|(_, rest)| rest.is_empty())
                    .map(|(v, _)| v)
                    .ok_or_else(|| format!("baseline_schema_version `{v}` is not a version"))?,
                None => from_name().or_else(recorded).ok_or_else(|| {
                    format!(
                        "baseline_schema {path}: say which version the dump stands for with \
                         baseline_schema_version = \"…\" (it records none in schema_migrations)"
                    )
                })?,
            };
            out.push(crate::project::ConfiguredDump {
                rel,
                version,
                root: for_root,
            });
        }
        Ok(out)
    }

    /// How SQL files are read under `root`: [`Config::sql_options`] with the schema dumps
    /// the configuration names, resolved.
    pub fn sql_options_at(&self, root: &Path) -> Result<crate::project::SqlOptions, String> {
        let mut sql = self.sql_options();
        sql.baseline_schemas = self.baseline_schemas(root)?;
        Ok(sql)
    }

    /// `[placeholders]` and `placeholder_patterns`.
    pub fn placeholders(&self) -> crate::frontend::sql::placeholders::Placeholders {
        use crate::frontend::sql::placeholders::Placeholders;
        let mut p = Placeholders::default();
        for (name, value) in &self.placeholders {
            match value {
                toml::Value::Table(t) => {
                    let Some(engine) = crate::discover::engine_of(name) else {
                        continue;
                    };
                    let vals = p.per_engine.entry(engine.name.to_string()).or_default();
                    for (k, v) in t {
                        if let Some(text) = scalar_text(v) {
                            vals.insert(k.clone(), text);
                        }
                    }
                }
                v => {
                    if let Some(text) = scalar_text(v) {
                        p.values.insert(name.clone(), text);
                    }
                }
            }
        }
        p.patterns = self
            .placeholder_patterns
            .iter()
            .filter_map(|pat| Placeholders::parse_pattern(pat).ok())
            .collect();
        p
    }

    /// The exclude patterns as one matcher.
    pub fn exclude_set(&self) -> globset::GlobSet {
        let mut b = globset::GlobSetBuilder::new();
        for p in &self.exclude {
            if let Ok(g) = globset::Glob::new(p) {
                b.add(g);
            }
        }
        b.build().unwrap_or_else(|_| globset::GlobSet::empty())
    }
}

/// Applies `--severity RULE=LEVEL` flags over the configuration.
pub fn apply_flag(settings: &mut Settings, flag: &str) -> Result<(), String> {
    let (key, level) = flag
        .split_once('=')
        .ok_or_else(|| format!("--severity {flag}: expected RULE=error|warning|off"))?;
    let level = match level {
        "error" => Level::Error,
        "warning" => Level::Warning,
        "off" => Level::Off,
        other => return Err(format!("--severity {flag}: unknown level `{other}`")),
    };
    if let Some(g) = group_named(key) {
        for r in Rule::ALL.iter().filter(|r| r.meta().group == g) {
            settings.severities.insert(*r, level.severity());
        }
        return Ok(());
    }
    let rule =
        Rule::from_name(key).ok_or_else(|| format!("--severity {flag}: unknown rule `{key}`"))?;
    settings.severities.insert(rule, level.severity());
    Ok(())
}
