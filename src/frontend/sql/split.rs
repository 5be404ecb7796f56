//! Our own statement splitter for MySQL and SQLite files: `sqlparser` loses a whole file on one
//! bad statement and its statement spans are unreliable, so each statement is cut out here
//! (with exact byte spans) and parsed on its own.

use crate::model::Span;

/// One statement's text range (without the delimiter), and the comments of the file.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Split {
    pub statements: Vec<Span>,
    pub comments: Vec<Span>,
    /// An unterminated quote or comment, from where it starts.
    pub unterminated: Option<Span>,
}

/// Splits `text` on `;` (or the delimiter set by a MySQL `DELIMITER` line) outside quotes and
/// comments. `hash_comments`: `#` starts a comment (MySQL).
pub fn split(text: &str, hash_comments: bool) -> Split {
    let bytes = text.as_bytes();
    let mut out = Split::default();
    let mut delimiter: Vec<u8> = b";".to_vec();
    let mut start = 0usize;
    let mut i = 0usize;
    // SQLite and MySQL trigger bodies hold `;` between BEGIN and END.
    let mut depth = 0usize;
    let push = |out: &mut Split, s: usize, e: usize| {
        let (s, e) = trim(text, s, e);
        if e > s {
            out.statements.push(Span::new(s, e));
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        // `DELIMITER xx` at the start of a line (MySQL client directive).
        if (i == 0 || bytes[i - 1] == b'\n') && starts_with_ci(&bytes[i..], b"delimiter ") {
            let line_end = text[i..].find('\n').map(|n| i + n).unwrap_or(text.len());
            push(&mut out, start, i);
            let d = text[i + 10..line_end].trim();
            if !d.is_empty() {
                delimiter = d.as_bytes().to_vec();
            }
            i = line_end;
            start = i;
            continue;
        }
        match b {
            b'\'' | b'"' | b'`' => {
                let q = b;
                let open = i;
                i += 1;
                loop {
                    if i >= bytes.len() {
                        out.unterminated = Some(Span::new(open, bytes.len()));
                        break;
                    }
                    if bytes[i] == b'\\' && q != b'`' {
                        i += 2;
                        continue;
                    }
                    if bytes[i] == q {
                        if bytes.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    i += 1;
                }
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                let end = text[i..].find('\n').map(|n| i + n).unwrap_or(text.len());
                out.comments.push(Span::new(i, end));
                i = end;
                continue;
            }
            b'#' if hash_comments => {
                let end = text[i..].find('\n').map(|n| i + n).unwrap_or(text.len());
                out.comments.push(Span::new(i, end));
                i = end;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                match text[i + 2..].find("*/") {
                    Some(n) => {
                        out.comments.push(Span::new(i, i + 2 + n + 2));
                        i = i + 2 + n + 2;
                    }
                    None => {
                        out.unterminated = Some(Span::new(i, bytes.len()));
                        i = bytes.len();
                    }
                }
                continue;
            }
            _ => {}
        }
        if is_word_start(bytes, i) {
            if starts_with_word(bytes, i, b"begin") && in_trigger(text, start, i) {
                depth += 1;
            } else if depth > 0 && starts_with_word(bytes, i, b"end") {
                depth -= 1;
            }
        }
        if depth == 0 && bytes[i..].starts_with(&delimiter) {
            push(&mut out, start, i);
            i += delimiter.len();
            start = i;
            continue;
        }
        i += 1;
    }
    push(&mut out, start, bytes.len());
    out
}

/// The text lower-cased, with strings and comments blanked (same length, `#` comments when
/// `hash_comments`), so that patterns are looked for in code only. Quoted identifiers stay.
pub(crate) fn code_only(text: &str, hash_comments: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let end = match b {
            b'\'' => bytes[i + 1..]
                .iter()
                .position(|&c| c == b'\'')
                .map_or(bytes.len(), |n| i + 1 + n + 1),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                text[i..].find('\n').map_or(bytes.len(), |n| i + n)
            }
            b'#' if hash_comments => text[i..].find('\n').map_or(bytes.len(), |n| i + n),
            b'/' if bytes.get(i + 1) == Some(&b'*') => text[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |n| i + 2 + n + 2),
            _ => {
                out.push(if b.is_ascii() {
                    b.to_ascii_lowercase()
                } else {
                    b' '
                });
                i += 1;
                continue;
            }
        };
        out.extend(std::iter::repeat_n(b' ', end - i));
        i = end;
    }
    String::from_utf8(out).unwrap_or_default()
}

fn in_trigger(text: &str, start: usize, at: usize) -> bool {
    let head = text[start..at].to_ascii_lowercase();
    head.contains("trigger") || head.contains("procedure") || head.contains("function")
}

fn is_word_start(bytes: &[u8], i: usize) -> bool {
    i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_')
}

fn starts_with_word(bytes: &[u8], i: usize, word: &[u8]) -> bool {
    starts_with_ci(&bytes[i..], word)
        && !bytes
            .get(i + word.len())
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

fn starts_with_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay[..needle.len()].eq_ignore_ascii_case(needle)
}

/// Narrows `start..end` to its first and last non-blank, non-comment byte.
fn trim(text: &str, mut start: usize, end: usize) -> (usize, usize) {
    loop {
        let rest = &text[start..end];
        let t = rest.trim_start();
        start += rest.len() - t.len();
        if t.starts_with("--") || t.starts_with('#') {
            match text[start..end].find('\n') {
                Some(n) => start += n + 1,
                None => return (end, end),
            }
        } else if t.starts_with("/*") {
            match text[start..end].find("*/") {
                Some(n) => start += n + 2,
                None => return (end, end),
            }
        } else {
            break;
        }
    }
    let t = text[start..end].trim_end();
    (start, start + t.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Vec<&str> {
        split(text, true)
            .statements
            .iter()
            .map(|s| &text[s.start..s.end])
            .collect()
    }

    #[test]
    fn splits_outside_quotes_and_comments() {
        assert_eq!(
            pieces("-- c;\nSELECT 'a;b'; SELECT \"x;\" /* ; */ ;\n# mysql; comment\nSELECT `a;`"),
            ["SELECT 'a;b'", "SELECT \"x;\" /* ; */", "SELECT `a;`"]
        );
    }

    #[test]
    fn delimiter_blocks() {
        let text =
            "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\nSELECT 2;";
        assert_eq!(
            pieces(text),
            ["CREATE PROCEDURE p() BEGIN SELECT 1; END", "SELECT 2"]
        );
    }

    #[test]
    fn trigger_bodies_stay_whole() {
        let text = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET x = 1; END;\nSELECT 1;";
        assert_eq!(
            pieces(text),
            [
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET x = 1; END",
                "SELECT 1"
            ]
        );
    }

    #[test]
    fn unterminated_quote_is_reported() {
        let s = split("SELECT 1; SELECT 'oops;", false);
        assert_eq!(s.statements.len(), 2);
        assert!(s.unterminated.is_some());
    }
}
