//! Placeholders in SQL migrations: Flyway's `${name}` and `${flyway:defaultSchema}`,
//! Liquibase's `${…}`, and a project's own syntax (`$%AUTO_INCREMENT_PRIMARY_KEY%$`).
//!
//! Before a file is parsed, each placeholder is replaced by what it stands for: its configured
//! value, or, without one, a quoted identifier spelling the placeholder, so that an unknown
//! `${schema}.users` is table `users` of a schema named `${schema}` (the same in every file)
//! and never a parse error. Spans are mapped back to the original text.

use crate::model::Dialect;
use std::collections::BTreeMap;

/// Placeholder values and syntaxes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placeholders {
    /// Name → value, for every engine.
    pub values: BTreeMap<String, String>,
    /// Engine (canonical name) → name → value, over `values`.
    pub per_engine: BTreeMap<String, BTreeMap<String, String>>,
    /// Syntaxes besides `${name}`: (prefix, suffix); an empty suffix ends the name at the
    /// first character that cannot be in an identifier.
    pub patterns: Vec<(String, String)>,
    /// The schema `${flyway:defaultSchema}` names; without one it is the default schema.
    pub default_schema: Option<String>,
}

impl Placeholders {
    /// Adds what another source says where this one says nothing (configuration first, then
    /// the project's own Flyway settings).
    pub fn fill_from(&mut self, other: Placeholders) {
        for (k, v) in other.values {
            self.values.entry(k).or_insert(v);
        }
        for (e, vals) in other.per_engine {
            let mine = self.per_engine.entry(e).or_default();
            for (k, v) in vals {
                mine.entry(k).or_insert(v);
            }
        }
        for p in other.patterns {
            if !self.patterns.contains(&p) {
                self.patterns.push(p);
            }
        }
        if self.default_schema.is_none() {
            self.default_schema = other.default_schema;
        }
    }

    /// Parses a pattern as configured: the name's place marked by `*` (`$%*%$`).
    pub fn parse_pattern(pattern: &str) -> Result<(String, String), String> {
        let (prefix, suffix) = pattern.split_once('*').ok_or_else(|| {
            format!("placeholder pattern `{pattern}` has no `*` where the name goes")
        })?;
        if prefix.is_empty() {
            return Err(format!(
                "placeholder pattern `{pattern}` must start with something other than the name"
            ));
        }
        if suffix.contains('*') {
            return Err(format!(
                "placeholder pattern `{pattern}` has more than one `*`"
            ));
        }
        Ok((prefix.to_string(), suffix.to_string()))
    }

    fn value(&self, engine: Option<&str>, name: &str) -> Option<&str> {
        fn find<'m>(m: &'m BTreeMap<String, String>, name: &str) -> Option<&'m str> {
            m.get(name)
                .or_else(|| {
                    m.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v)
                })
                .map(String::as_str)
        }
        engine
            .and_then(|e| self.per_engine.get(e))
            .and_then(|m| find(m, name))
            .or_else(|| find(&self.values, name))
    }

    fn syntaxes(&self) -> Vec<(&str, &str)> {
        let mut all = vec![("${", "}")];
        all.extend(self.patterns.iter().map(|(p, s)| (p.as_str(), s.as_str())));
        all
    }
}

/// A text with its placeholders replaced, and how to map its offsets back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substituted {
    pub text: String,
    /// Replaced regions: (original range, new range), in order.
    regions: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>,
}

impl Substituted {
    /// The original offset of `pos` in the new text; `end`: the end of a span (a position
    /// inside a replaced region maps to the region's end rather than its start).
    pub fn original(&self, pos: usize, end: bool) -> usize {
        let mut shift: isize = 0;
        for (orig, new) in &self.regions {
            if end {
                if pos <= new.start {
                    break;
                }
                if pos <= new.end {
                    return orig.end;
                }
            } else {
                if pos < new.start {
                    break;
                }
                if pos < new.end {
                    return orig.start;
                }
            }
            shift = orig.end as isize - new.end as isize;
        }
        (pos as isize + shift).max(0) as usize
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lex {
    Code,
    Single,
    Double,
    Backtick,
    LineComment,
    BlockComment,
}

/// Replaces the placeholders of `text` for `engine`'s files; `None` when it has none.
pub fn substitute(
    text: &str,
    dialect: Dialect,
    engine: Option<&str>,
    ph: &Placeholders,
) -> Option<Substituted> {
    let syntaxes = ph.syntaxes();
    if !syntaxes.iter().any(|(p, _)| text.contains(p)) {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut regions = Vec::new();
    let mut state = Lex::Code;
    let mut dollar: Option<String> = None;
    let mut i = 0;
    while i < bytes.len() {
        if state != Lex::LineComment && state != Lex::BlockComment {
            let found = syntaxes
                .iter()
                .find_map(|(p, s)| placeholder_at(text, i, p, s));
            if let Some((name, end)) = found {
                let quoted = state != Lex::Code || dollar.is_some();
                if let Some(rep) =
                    replacement(text, i, end, name, quoted, dialect, engine, ph, &mut out)
                {
                    let new_start = rep.new_start;
                    out.push_str(&rep.text);
                    regions.push((rep.orig_start..rep.orig_end, new_start..out.len()));
                    i = rep.orig_end;
                    continue;
                }
            }
        }
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        if let Some(tag) = &dollar {
            if text[i..].starts_with(tag.as_str()) {
                out.push_str(tag);
                i += tag.len();
                dollar = None;
                continue;
            }
        } else {
            state = match (state, b) {
                (Lex::Code, b'\'') => Lex::Single,
                (Lex::Code, b'"') => Lex::Double,
                (Lex::Code, b'`') if dialect == Dialect::Mysql => Lex::Backtick,
                (Lex::Code, b'-') if next == Some(b'-') => Lex::LineComment,
                (Lex::Code, b'#') if dialect == Dialect::Mysql => Lex::LineComment,
                (Lex::Code, b'/') if next == Some(b'*') => {
                    out.push_str("/*");
                    i += 2;
                    state = Lex::BlockComment;
                    continue;
                }
                (Lex::Code, b'$') if dialect == Dialect::Postgres => {
                    if let Some(tag) = dollar_tag(text, i) {
                        out.push_str(&tag);
                        i += tag.len();
                        dollar = Some(tag);
                        continue;
                    }
                    Lex::Code
                }
                (Lex::Single, b'\'') | (Lex::Double, b'"') | (Lex::Backtick, b'`') => Lex::Code,
                (Lex::LineComment, b'\n') => Lex::Code,
                (Lex::BlockComment, b'*') if next == Some(b'/') => {
                    out.push_str("*/");
                    i += 2;
                    state = Lex::Code;
                    continue;
                }
                (s, _) => s,
            };
        }
        let len = text[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[i..i + len]);
        i += len;
    }
    Some(Substituted { text: out, regions })
}

/// `$tag$` starting at `i`, when it opens a PostgreSQL dollar-quoted string.
fn dollar_tag(text: &str, i: usize) -> Option<String> {
    let rest = &text[i + 1..];
    let end = rest.find('$')?;
    let tag = &rest[..end];
    let ok = tag
        .chars()
        .enumerate()
        .all(|(k, c)| c == '_' || c.is_alphabetic() || (k > 0 && c.is_ascii_digit()));
    ok.then(|| format!("${tag}$"))
}

/// A placeholder of syntax (`prefix`, `suffix`) at byte `i`: its name and where it ends.
fn placeholder_at<'t>(
    text: &'t str,
    i: usize,
    prefix: &str,
    suffix: &str,
) -> Option<(&'t str, usize)> {
    let rest = text.get(i..)?.strip_prefix(prefix)?;
    let start = i + prefix.len();
    let len = if suffix.is_empty() {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())
    } else {
        let close = rest.find(suffix)?;
        if rest[..close].contains(['\n', '\'', '"', ';']) || close > 200 {
            return None;
        }
        close
    };
    if len == 0 {
        return None;
    }
    Some((&text[start..start + len], start + len + suffix.len()))
}

struct Replacement {
    orig_start: usize,
    orig_end: usize,
    new_start: usize,
    text: String,
}

/// What one placeholder (`text[start..end]`, named `name`) becomes. `quoted`: it sits inside a
/// string, a quoted identifier or a dollar-quoted body, where only a known value replaces it.
/// Identifier characters right before it (already in `out`) and right after it join the
/// quoted identifier an unknown placeholder becomes (`tbl_${suffix}`).
#[allow(clippy::too_many_arguments)]
fn replacement(
    text: &str,
    start: usize,
    end: usize,
    name: &str,
    quoted: bool,
    dialect: Dialect,
    engine: Option<&str>,
    ph: &Placeholders,
    out: &mut String,
) -> Option<Replacement> {
    let plain = |t: String| Replacement {
        orig_start: start,
        orig_end: end,
        new_start: out.len(),
        text: t,
    };
    if let Some(v) = ph.value(engine, name) {
        return Some(plain(v.to_string()));
    }
    if name.eq_ignore_ascii_case("flyway:defaultSchema") && !quoted {
        // `${flyway:defaultSchema}.t` is `t` in the default schema.
        return Some(match (&ph.default_schema, text[end..].starts_with('.')) {
            (Some(s), _) => plain(s.clone()),
            (None, true) => Replacement {
                orig_start: start,
                orig_end: end + 1,
                new_start: out.len(),
                text: String::new(),
            },
            (None, false) => plain("public".to_string()),
        });
    }
    if quoted {
        return None;
    }
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let before: String = out.chars().rev().take_while(|c| is_ident(*c)).collect();
    let before: String = before.chars().rev().collect();
    let after_len = text[end..]
        .find(|c: char| !is_ident(c))
        .unwrap_or(text.len() - end);
    let q = if dialect == Dialect::Mysql { '`' } else { '"' };
    let inner = format!(
        "{before}{}{}",
        &text[start..end],
        &text[end..end + after_len]
    );
    out.truncate(out.len() - before.len());
    Some(Replacement {
        orig_start: start - before.len(),
        orig_end: end + after_len,
        new_start: out.len(),
        text: format!("{q}{}{q}", inner.replace(q, &format!("{q}{q}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(text: &str, ph: &Placeholders) -> String {
        substitute(text, Dialect::Postgres, Some("postgres"), ph)
            .map(|s| s.text)
            .unwrap_or_else(|| text.to_string())
    }

    #[test]
    fn unknown_placeholders_are_quoted_names() {
        let ph = Placeholders::default();
        assert_eq!(
            sub("CREATE TABLE ${schema}.users (id int);", &ph),
            "CREATE TABLE \"${schema}\".users (id int);"
        );
        assert_eq!(sub("SELECT 'x ${a} y';", &ph), "SELECT 'x ${a} y';");
        assert_eq!(sub("-- ${a}\nSELECT 1;", &ph), "-- ${a}\nSELECT 1;");
        assert_eq!(
            sub("DROP TABLE tbl_${sfx}_old;", &ph),
            "DROP TABLE \"tbl_${sfx}_old\";"
        );
        let my = substitute("ALTER TABLE ${s}.t ADD c int;", Dialect::Mysql, None, &ph);
        assert_eq!(
            my.map(|s| s.text).as_deref(),
            Some("ALTER TABLE `${s}`.t ADD c int;")
        );
    }

    #[test]
    fn values_and_the_default_schema() {
        let mut ph = Placeholders::default();
        ph.values.insert("schema".into(), "app".into());
        ph.per_engine
            .entry("postgres".into())
            .or_default()
            .insert("pk".into(), "BIGSERIAL PRIMARY KEY".into());
        ph.patterns.push(("$%".into(), "%$".into()));
        assert_eq!(
            sub("SELECT * FROM ${schema}.t;", &ph),
            "SELECT * FROM app.t;"
        );
        assert_eq!(sub("SELECT '${schema}';", &ph), "SELECT 'app';");
        assert_eq!(
            sub("CREATE TABLE t (id $%pk%$);", &ph),
            "CREATE TABLE t (id BIGSERIAL PRIMARY KEY);"
        );
        assert_eq!(
            sub("CREATE TABLE ${flyway:defaultSchema}.t (a int);", &ph),
            "CREATE TABLE t (a int);"
        );
        ph.default_schema = Some("core".into());
        assert_eq!(
            sub("CREATE TABLE ${flyway:defaultSchema}.t (a int);", &ph),
            "CREATE TABLE core.t (a int);"
        );
    }

    #[test]
    fn offsets_map_back() {
        let ph = Placeholders::default();
        let text = "CREATE TABLE ${s}.t (a int);\nDROP TABLE x;";
        let s = substitute(text, Dialect::Postgres, None, &ph).expect("substituted");
        let drop_new = s.text.find("DROP").expect("drop");
        assert_eq!(
            s.original(drop_new, false),
            text.find("DROP").expect("drop")
        );
        let ph_new = s.text.find('"').expect("quote");
        assert_eq!(s.original(ph_new, false), text.find("${").expect("ph"));
        assert_eq!(s.original(s.text.len(), true), text.len());
    }

    #[test]
    fn patterns_need_a_name_place() {
        assert_eq!(
            Placeholders::parse_pattern("$%*%$"),
            Ok(("$%".to_string(), "%$".to_string()))
        );
        assert!(Placeholders::parse_pattern("$%%$").is_err());
        assert!(Placeholders::parse_pattern("*x").is_err());
    }
}
