//! Source text and positions. Every fact pkgallow reports points back to a place in a file:
//! a [`Location`] (path relative to the scanned root, 1-based line and column). A
//! [`SourceFile`] holds a file's text together with a line index so that byte offsets
//! from parsers (TOML spans, token positions) turn into line and column cheaply.

use std::sync::OnceLock;

use serde::Serialize;

/// A place in a file: the path as shown to users (relative to the scanned root, `/`
/// separated) and a 1-based line and column. Line 0 means "the whole input", used for
/// evidence that is not in a file (an environment variable).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub path: String,
    pub line: u32,
    pub column: u32,
}

impl Location {
    pub fn new(path: impl Into<String>, line: u32, column: u32) -> Self {
        Self {
            path: path.into(),
            line,
            column,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.path)
        } else {
            write!(f, "{}:{}:{}", self.path, self.line, self.column)
        }
    }
}

/// A file's text with its display path and the byte offset of every line start.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
    /// Worked out when a position is first asked for: many files are read, found to
    /// say nothing, and dropped, and a notebook's are most of its bytes' worth.
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        let mut text = text.into();
        // A byte-order mark is not part of the first line.
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        Self {
            path: path.into(),
            text,
            line_starts: OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let bytes = self.text.as_bytes();
            // Counted first, so that the index is allocated once at its size.
            let mut starts = Vec::with_capacity(memchr::memchr_iter(b'\n', bytes).count() + 1);
            starts.push(0);
            starts.extend(memchr::memchr_iter(b'\n', bytes).map(|index| index + 1));
            starts
        })
    }

    /// The location of a byte offset (clamped to the text).
    pub fn location(&self, offset: usize) -> Location {
        let (line, column) = self.line_and_column(offset);
        Location::new(
            self.path.clone(),
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    }

    /// The 1-based line and column (in characters) of a byte offset (clamped to the
    /// text), without building a [`Location`].
    pub fn line_and_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_starts = self.line_starts();
        let index = match line_starts.binary_search(&offset) {
            Ok(index) => index,
            Err(index) => index - 1,
        };
        let start = line_starts[index];
        (index + 1, self.text[start..offset].chars().count() + 1)
    }

    /// A location at the start of a 1-based line.
    pub fn line_location(&self, line: usize, column: usize) -> Location {
        Location::new(
            self.path.clone(),
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    }

    /// The text of a 1-based line without its line ending.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        let line_starts = self.line_starts();
        let start = *line_starts.get(index)?;
        let end = line_starts
            .get(index + 1)
            .copied()
            .unwrap_or(self.text.len());
        Some(self.text[start..end].trim_end_matches(['\n', '\r']))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_lines_and_columns() {
        let file = SourceFile::new("a.txt", "one\ntwo\r\nthree");
        assert_eq!(file.location(0).to_string(), "a.txt:1:1");
        assert_eq!(file.location(5).to_string(), "a.txt:2:2");
        assert_eq!(file.location(9).to_string(), "a.txt:3:1");
        assert_eq!(file.location(999).to_string(), "a.txt:3:6");
        assert_eq!(file.line_text(2), Some("two"));
        assert_eq!(file.line_text(4), None);
    }
}
