//! Source text and positions. Every fact pkgallow reports points back to a place in a file:
//! a [`Location`] (path relative to the scanned root, 1-based line and column). A
//! [`SourceFile`] holds a file's text together with a line index so that byte offsets
//! from parsers (TOML spans, token positions) turn into line and column cheaply. Once a
//! file is parsed only an [`Excerpt`] of it is kept: the lines its findings point at.

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

    /// The text, given back: a reader reads the next file into the same buffer.
    pub fn into_text(self) -> String {
        self.text
    }

    /// The given 1-based lines (in any order, repeated or past the end: those are left
    /// out) as [`line_text`](Self::line_text) gives them, kept apart from the rest.
    pub fn excerpt(&self, mut lines: Vec<u32>) -> Excerpt {
        lines.sort_unstable();
        lines.dedup();
        let mut excerpt = Excerpt::default();
        // With the line index built, each line is found directly.
        if self.line_starts.get().is_some() {
            for line in lines {
                if let Some(text) = self.line_text(line) {
                    excerpt.push(line, text);
                }
            }
            return excerpt;
        }
        // Without the line index (never built for most files), walk from line to line,
        // only as far as the last line wanted.
        let bytes = self.text.as_bytes();
        let (mut number, mut start) = (1, 0);
        for line in lines.into_iter().filter(|line| *line > 0) {
            while number < line {
                let Some(newline) = memchr::memchr(b'\n', &bytes[start..]) else {
                    return excerpt;
                };
                start += newline + 1;
                number += 1;
            }
            let end = memchr::memchr(b'\n', &bytes[start..])
                .map_or(bytes.len(), |newline| start + newline);
            excerpt.push(line, self.text[start..end].trim_end_matches(['\n', '\r']));
        }
        excerpt
    }
}

/// The lines of a parsed file that its findings point at, kept instead of the whole
/// text: later stages only ever show a diagnostic's or an evidence's source line, and a
/// corpus of notebooks is mostly lines nobody points at (keeping them all was a tenth
/// of a scan, most of it the page faults of copying them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Excerpt {
    /// The lines' texts, one after another.
    text: String,
    /// Each line's number and the end of its text in `text`, by number; a line's text
    /// starts where the one before it ends.
    lines: Vec<(u32, usize)>,
}

impl Excerpt {
    /// Every line of a file.
    pub fn whole(file: &SourceFile) -> Self {
        let count = file.line_starts().len();
        file.excerpt((1..=u32::try_from(count).unwrap_or(u32::MAX)).collect())
    }

    /// The text of a kept 1-based line, as [`SourceFile::line_text`] gives it.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        let index = self
            .lines
            .binary_search_by_key(&line, |(number, _)| *number)
            .ok()?;
        let start = index
            .checked_sub(1)
            .map_or(0, |before| self.lines[before].1);
        Some(&self.text[start..self.lines[index].1])
    }

    /// Appends a line numbered after every line kept so far.
    fn push(&mut self, line: u32, text: &str) {
        self.text.push_str(text);
        self.lines.push((line, self.text.len()));
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

    /// An excerpt gives each kept line exactly as the file does, whether or not the line
    /// index was built first, and nothing for the others.
    #[test]
    fn excerpts_keep_the_lines_asked_for() {
        let text = "one\r\n\ntwo\nthree\n";
        let wanted = vec![5, 3, 0, 2, 3, 9];
        let fresh = SourceFile::new("a.txt", text);
        let indexed = SourceFile::new("a.txt", text);
        indexed.line_text(1);
        for file in [&fresh, &indexed] {
            let excerpt = file.excerpt(wanted.clone());
            for line in 0..=10 {
                let expected = if [2, 3, 5].contains(&line) {
                    file.line_text(line)
                } else {
                    None
                };
                assert_eq!(excerpt.line_text(line), expected, "line {line}");
            }
            assert_eq!(excerpt.line_text(5), Some(""));
        }
        let whole = Excerpt::whole(&fresh);
        for line in 0..=10 {
            assert_eq!(whole.line_text(line), fresh.line_text(line), "line {line}");
        }
        assert_eq!(whole.line_text(1), Some("one"));
    }
}
