//! Placeholder settings from a project's own Flyway configuration: `flyway.conf` and
//! `flyway.toml` (`placeholders`, `placeholderPrefix`/`Suffix`, `defaultSchema`, `schemas`),
//! and Spring Boot's `spring.flyway.*` in `application.properties` / `application.yml`.

use super::placeholders::Placeholders;
use std::collections::BTreeMap;

/// Whether a file (by its relative path) may hold Flyway settings.
pub fn is_config_file(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    matches!(
        name,
        "flyway.conf"
            | "flyway.toml"
            | "application.properties"
            | "application.yml"
            | "application.yaml"
    )
}

/// The placeholder settings of the given configuration files (relative path, text), the first
/// file that sets a key winning.
pub fn read(files: &[(String, String)]) -> Placeholders {
    let mut out = Placeholders::default();
    for (rel, text) in files {
        let settings = match rel.rsplit('/').next().unwrap_or(rel) {
            "flyway.conf" => flatten_properties(text, "flyway."),
            "application.properties" => flatten_properties(text, "spring.flyway."),
            "application.yml" | "application.yaml" => flatten_yaml(text, "spring.flyway."),
            "flyway.toml" => flatten_toml(text),
            _ => continue,
        };
        out.fill_from(from_settings(&settings));
    }
    out
}

/// Whether the project's Flyway configuration sets `mixed` (transactional and
/// non-transactional statements in one script, which then runs without a transaction).
pub fn mixed(files: &[(String, String)]) -> bool {
    files.iter().any(|(rel, text)| {
        let settings = match rel.rsplit('/').next().unwrap_or(rel) {
            "flyway.conf" => flatten_properties(text, "flyway."),
            "application.properties" => flatten_properties(text, "spring.flyway."),
            "application.yml" | "application.yaml" => flatten_yaml(text, "spring.flyway."),
            "flyway.toml" => flatten_toml(text),
            _ => return false,
        };
        settings
            .get("mixed")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    })
}

/// `executeInTransaction` in a script's own configuration file (`V2__x.sql.conf`).
pub fn execute_in_transaction(script_conf: &str) -> Option<bool> {
    script_conf.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == "executeInTransaction").then(|| v.trim().eq_ignore_ascii_case("true"))
    })
}

/// Settings (keys without their `flyway.` prefix, Spring's kebab-case folded to camelCase)
/// to placeholders.
fn from_settings(settings: &BTreeMap<String, String>) -> Placeholders {
    let mut p = Placeholders::default();
    for (k, v) in settings {
        if let Some(name) = k.strip_prefix("placeholders.") {
            p.values.insert(name.to_string(), v.clone());
        }
    }
    let prefix = settings.get("placeholderPrefix");
    let suffix = settings.get("placeholderSuffix");
    if prefix.is_some() || suffix.is_some() {
        let prefix = prefix.map_or("${", String::as_str);
        let suffix = suffix.map_or("}", String::as_str);
        if !prefix.is_empty() && (prefix, suffix) != ("${", "}") {
            p.patterns.push((prefix.to_string(), suffix.to_string()));
        }
    }
    p.default_schema = settings.get("defaultSchema").cloned().or_else(|| {
        settings
            .get("schemas")
            .and_then(|s| s.split(',').map(str::trim).find(|s| !s.is_empty()))
            .map(String::from)
    });
    p
}

/// `spring.flyway.default-schema` → `defaultSchema`; placeholder names are kept as written.
fn camel(key: &str) -> String {
    if key.starts_with("placeholders.") {
        return key.to_string();
    }
    let mut out = String::new();
    let mut upper = false;
    for c in key.chars() {
        if c == '-' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Java properties (`key=value`, `key: value`, `#`/`!` comments), keys under `prefix`.
fn flatten_properties(text: &str, prefix: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let Some(sep) = line.find(['=', ':']) else {
            continue;
        };
        let (key, value) = (line[..sep].trim(), line[sep + 1..].trim());
        if let Some(k) = key.strip_prefix(prefix) {
            out.entry(camel(k)).or_insert_with(|| value.to_string());
        }
    }
    out
}

/// The nested mappings of a YAML file as dotted keys (lists and multi-line values are not
/// settings Flyway placeholders use), keys under `prefix`.
fn flatten_yaml(text: &str, prefix: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut path: Vec<(usize, String)> = Vec::new();
    for raw in text.lines() {
        let line = strip_yaml_comment(raw);
        if line.trim().is_empty() || line.trim() == "---" || line.trim_start().starts_with('-') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let Some((key, value)) = line.trim().split_once(':') else {
            continue;
        };
        while path.last().is_some_and(|(i, _)| *i >= indent) {
            path.pop();
        }
        let key = unquote(key.trim());
        let value = unquote(value.trim());
        path.push((indent, key.to_string()));
        if !value.is_empty() {
            let full: Vec<&str> = path.iter().map(|(_, k)| k.as_str()).collect();
            if let Some(k) = full.join(".").strip_prefix(prefix) {
                out.entry(camel(k)).or_insert_with(|| value.to_string());
            }
        }
    }
    out
}

fn strip_yaml_comment(line: &str) -> &str {
    let mut quote = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if i == 0 || line[..i].ends_with(' ') => return &line[..i],
            _ => {}
        }
    }
    line
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')))
        .unwrap_or(s)
}

/// `flyway.toml`: the `[flyway]` table's settings, and the first environment's `schemas`.
fn flatten_toml(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(doc) = text.parse::<toml::Table>() else {
        return out;
    };
    fn walk(prefix: &str, v: &toml::Value, out: &mut BTreeMap<String, String>) {
        match v {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            toml::Value::Array(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .filter_map(|i| i.as_str().map(String::from))
                    .collect();
                out.insert(prefix.to_string(), parts.join(","));
            }
            toml::Value::String(s) => {
                out.insert(prefix.to_string(), s.clone());
            }
            other => {
                out.insert(prefix.to_string(), other.to_string());
            }
        }
    }
    if let Some(f) = doc.get("flyway") {
        walk("", f, &mut out);
    }
    if let Some(toml::Value::Table(envs)) = doc.get("environments")
        && let Some((_, toml::Value::Table(env))) = envs.iter().next()
        && let Some(schemas) = env.get("schemas")
    {
        let mut tmp = BTreeMap::new();
        walk("schemas", schemas, &mut tmp);
        for (k, v) in tmp {
            out.entry(k).or_insert(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(rel: &str, text: &str) -> Placeholders {
        read(&[(rel.to_string(), text.to_string())])
    }

    #[test]
    fn flyway_conf_and_toml() {
        let p = one(
            "flyway.conf",
            "# c\nflyway.placeholders.schema=app\nflyway.schemas=core, other\n",
        );
        assert_eq!(p.values.get("schema").map(String::as_str), Some("app"));
        assert_eq!(p.default_schema.as_deref(), Some("core"));
        let t = one(
            "flyway.toml",
            "[flyway]\ndefaultSchema = \"main\"\nplaceholderPrefix = \"#[\"\nplaceholderSuffix = \"]\"\n[flyway.placeholders]\nowner = \"svc\"\n",
        );
        assert_eq!(t.values.get("owner").map(String::as_str), Some("svc"));
        assert_eq!(t.default_schema.as_deref(), Some("main"));
        assert_eq!(t.patterns, [("#[".to_string(), "]".to_string())]);
    }

    #[test]
    fn spring_properties_and_yaml() {
        let p = one(
            "src/main/resources/application.properties",
            "spring.flyway.placeholders.schema=app\nspring.flyway.default-schema=app\n",
        );
        assert_eq!(p.values.get("schema").map(String::as_str), Some("app"));
        assert_eq!(p.default_schema.as_deref(), Some("app"));
        let y = one(
            "application.yml",
            "spring:\n  flyway:\n    default-schema: \"core\"  # comment\n    placeholders:\n      tablePrefix: t_\n  datasource:\n    url: x\n",
        );
        assert_eq!(y.values.get("tablePrefix").map(String::as_str), Some("t_"));
        assert_eq!(y.default_schema.as_deref(), Some("core"));
    }
}
