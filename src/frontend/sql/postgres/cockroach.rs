//! CockroachDB files are read as PostgreSQL; the few CockroachDB spellings that PostgreSQL's
//! grammar lacks are rewritten first, to text of the same length (so every span stays right)
//! that means the same to the schema: `DROP INDEX t@idx` names index `idx`, `STORING (c)` is
//! PostgreSQL's `INCLUDE (c)`, `CREATE INVERTED INDEX` and a hash-sharded `USING HASH` are
//! plain indexes, `ADD CONSTRAINT IF NOT EXISTS` adds the constraint.

use crate::frontend::sql::split::code_only;
use std::borrow::Cow;

/// The text with CockroachDB-only syntax rewritten (see the module documentation).
pub fn to_postgres(text: &str) -> Cow<'_, str> {
    let code = code_only(text, false);
    if !code.contains('@')
        && ![
            "storing",
            "inverted",
            "using hash",
            "constraint if not exists",
        ]
        .iter()
        .any(|w| code.contains(w))
    {
        return Cow::Borrowed(text);
    }
    let mut out: Vec<u8> = text.as_bytes().to_vec();
    let bytes = code.as_bytes();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for b in &mut out[from..to] {
            *b = b' ';
        }
    };
    // `table@index`: keep the index name.
    for (at, _) in code.match_indices('@') {
        let start = ident_start(bytes, at);
        if start < at
            && bytes
                .get(at + 1)
                .is_some_and(|b| is_ident(*b) || *b == b'"')
        {
            blank(&mut out, start, at + 1);
        }
    }
    for (pos, _) in code.match_indices("storing") {
        if word_at(bytes, pos, 7) {
            out[pos..pos + 7].copy_from_slice(b"INCLUDE");
        }
    }
    for (pos, _) in code.match_indices("inverted") {
        if word_at(bytes, pos, 8) && code[pos + 8..].trim_start().starts_with("index") {
            blank(&mut out, pos, pos + 8);
        }
    }
    for (pos, _) in code.match_indices("using hash") {
        let before = code[..pos].trim_end();
        if word_at(bytes, pos, 10) && before.ends_with(')') {
            blank(&mut out, pos, pos + 10);
        }
    }
    for (pos, m) in code.match_indices("constraint if not exists") {
        if word_at(bytes, pos, m.len()) {
            blank(&mut out, pos + "constraint".len(), pos + m.len());
        }
    }
    // Only ASCII bytes were replaced, each by ASCII: the text is still UTF-8.
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|_| text.to_string()))
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Where the identifier (or quoted identifier) ending right before `at` starts.
fn ident_start(bytes: &[u8], at: usize) -> usize {
    let mut i = at;
    if i > 0 && bytes[i - 1] == b'"' {
        i -= 1;
        while i > 0 && bytes[i - 1] != b'"' {
            i -= 1;
        }
        return i.saturating_sub(1);
    }
    while i > 0 && is_ident(bytes[i - 1]) {
        i -= 1;
    }
    i
}

fn word_at(bytes: &[u8], pos: usize, len: usize) -> bool {
    (pos == 0 || !is_ident(bytes[pos - 1])) && bytes.get(pos + len).is_none_or(|b| !is_ident(*b))
}

#[cfg(test)]
mod tests {
    use super::to_postgres;

    #[test]
    fn rewrites_keep_lengths() {
        let cases = [
            (
                "DROP INDEX IF EXISTS session_devices@unique_session_device CASCADE;",
                "DROP INDEX IF EXISTS                 unique_session_device CASCADE;",
            ),
            (
                "CREATE UNIQUE INDEX i ON t (a) STORING (b);",
                "CREATE UNIQUE INDEX i ON t (a) INCLUDE (b);",
            ),
            (
                "CREATE INVERTED INDEX i ON t (c);",
                "CREATE          INDEX i ON t (c);",
            ),
            (
                "CREATE INDEX i ON t (a, b) USING HASH WHERE a > 0;",
                "CREATE INDEX i ON t (a, b)            WHERE a > 0;",
            ),
            (
                "ALTER TABLE t ADD CONSTRAINT IF NOT EXISTS c CHECK (a > 0);",
                "ALTER TABLE t ADD CONSTRAINT               c CHECK (a > 0);",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(to_postgres(input), want);
        }
        let untouched = "SELECT 'a@b storing' -- x@y\n;";
        assert_eq!(to_postgres(untouched), untouched);
        assert_eq!(
            to_postgres("CREATE INDEX i ON t USING hash (a);"),
            "CREATE INDEX i ON t USING hash (a);"
        );
    }
}
