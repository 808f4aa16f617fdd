//! A small reader for the INI dialect of Python's `configparser`, used by `pip.conf` and
//! `setup.cfg`. It keeps the line of every value line, which the INI crates do not:
//! sections `[name]`, `key = value` or `key: value`, indented continuation lines, and
//! whole-line comments starting with `#` or `;` (configparser has no inline comments by
//! default, so `#` inside a value stays).

/// One `key = value` entry with every value line and its 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Section name, lower-cased.
    pub section: String,
    /// Key, lower-cased with `_` written as `-` (pip's normalisation).
    pub key: String,
    /// The key's line.
    pub line: usize,
    /// Non-empty value lines: (line, column, text), the first one being the text after `=`.
    pub values: Vec<(usize, usize, String)>,
}

/// A line that is neither a section, an entry, a continuation nor a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub line: usize,
}

pub fn parse(text: &str) -> (Vec<Entry>, Vec<Malformed>) {
    let mut entries: Vec<Entry> = Vec::new();
    let mut malformed = Vec::new();
    let mut section = String::new();
    let mut in_entry = false;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            // configparser keeps empty lines inside a multi-line value; they add nothing.
            continue;
        }
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let indented = raw.starts_with([' ', '\t']);
        if indented && in_entry {
            if let Some(entry) = entries.last_mut() {
                let column = raw.len() - raw.trim_start().len() + 1;
                entry.values.push((line, column, trimmed.to_string()));
            }
            continue;
        }
        if trimmed.starts_with('[') && trimmed.ends_with(']') {
            section = trimmed[1..trimmed.len() - 1].trim().to_ascii_lowercase();
            in_entry = false;
            continue;
        }
        let separator = trimmed.find(['=', ':']);
        if let Some(position) = separator {
            let key = trimmed[..position]
                .trim()
                .to_ascii_lowercase()
                .replace('_', "-");
            let value = trimmed[position + 1..].trim();
            let mut values = Vec::new();
            if !value.is_empty() {
                let leading = raw.len() - raw.trim_start().len();
                let value_offset = raw[leading..]
                    .find(value)
                    .map_or(1, |offset| raw[..leading + offset].chars().count() + 1);
                values.push((line, value_offset, value.to_string()));
            }
            entries.push(Entry {
                section: section.clone(),
                key,
                line,
                values,
            });
            in_entry = true;
        } else {
            malformed.push(Malformed { line });
            in_entry = false;
        }
    }
    (entries, malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_values_and_continuations() {
        let (entries, malformed) = parse(
            "[global]\nindex_url = https://a/simple\nextra-index-url =\n    https://b/simple\n    https://c/simple\n# x\nbroken line\n",
        );
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].key, "index-url");
        assert_eq!(
            entries[0].values,
            vec![(2, 13, "https://a/simple".to_string())]
        );
        assert_eq!(entries[1].values.len(), 2);
        assert_eq!(entries[1].values[1].0, 5);
        assert_eq!(malformed, vec![Malformed { line: 7 }]);
    }
}
