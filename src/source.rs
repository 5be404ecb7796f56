//! Reading migration files and locating byte offsets as lines and columns.

use std::path::Path;
use std::sync::Arc;

/// Line starts of a text, for 1-based line/column lookups.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 0-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// 1-based line and column (column in characters) of a byte offset.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.line_of(offset);
        let start = self.starts[line];
        let col = text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0);
        (line + 1, col + 1)
    }

    /// The text of a 0-based line, without its line terminator.
    pub fn line_text<'a>(&self, text: &'a str, line: usize) -> &'a str {
        let Some(&start) = self.starts.get(line) else {
            return "";
        };
        let end = self
            .starts
            .get(line + 1)
            .map(|e| e.saturating_sub(1))
            .unwrap_or(text.len());
        text.get(start..end.max(start))
            .unwrap_or("")
            .trim_end_matches('\r')
    }
}

/// Why a file could not be taken as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Io(String),
    Binary,
    /// `offset`: the first bad byte in the file; `lossy`: the text with bad bytes replaced, to
    /// show it, where that byte is at `at`.
    NotUtf8 {
        offset: usize,
        lossy: Arc<str>,
        at: usize,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "cannot read the file: {e}"),
            ReadError::Binary => {
                f.write_str("this is a binary file, not a migration (it holds NUL bytes)")
            }
            ReadError::NotUtf8 { offset, .. } => write!(
                f,
                "the file is not valid UTF-8 (first bad byte at offset {offset}); re-encode it as UTF-8"
            ),
        }
    }
}

/// Reads a file as UTF-8 text (see [`decode`]).
pub fn read_text(path: &Path) -> Result<Arc<str>, ReadError> {
    let bytes = std::fs::read(path).map_err(|e| ReadError::Io(e.to_string()))?;
    decode(bytes)
}

/// Decodes file bytes: NUL bytes mean binary; invalid UTF-8 is an error. A UTF-8 BOM is
/// removed: editors do not show it, so columns on the first line count from after it, and
/// Python would take spaces in its place for an indentation error.
pub fn decode(mut bytes: Vec<u8>) -> Result<Arc<str>, ReadError> {
    if bytes.contains(&0) {
        return Err(ReadError::Binary);
    }
    let bom = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
        3
    } else {
        0
    };
    match String::from_utf8(bytes) {
        Ok(s) => Ok(Arc::from(s)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            Err(ReadError::NotUtf8 {
                offset: at + bom,
                lossy: Arc::from(String::from_utf8_lossy(e.as_bytes())),
                at,
            })
        }
    }
}
