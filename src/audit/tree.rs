//! One spanned value tree for every syntax `audit` reads. The readers in `inputs/` do
//! not care whether a rule came from YAML, JSON, Bicep or HCL: they walk a [`Node`]
//! whose every value knows its line and column. YAML goes through saphyr's marked
//! nodes; JSON, Bicep object literals and HCL block bodies go through [`Braces`], one
//! small tolerant reader of the brace syntaxes (`key: value`, `key = value`,
//! `"key": value`, `block { … }`, `//`, `/* */` and `#` comments, single- and
//! double-quoted strings, expressions kept as text). It is tolerant on purpose: an
//! auditor reads what a file says and leaves full validation to the file's own tools
//! (JSON inputs are checked with `serde_json` first, so their syntax errors are exact).
//! No well-kept Bicep parser exists as a crate, and one reader for the three brace
//! syntaxes keeps positions uniform.

use crate::source::SourceFile;

/// A position in the input: 1-based line and column, and how many characters the value
/// spans on that line (for underlining).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    pub width: u32,
}

impl Position {
    pub(crate) fn span(file: &SourceFile, start: usize, end: usize) -> Self {
        let location = file.location(start);
        let text = file.text.get(start..end.max(start)).unwrap_or("");
        let first_line = text.lines().next().unwrap_or("");
        Self {
            line: location.line,
            column: location.column,
            width: u32::try_from(first_line.chars().count().max(1)).unwrap_or(1),
        }
    }
}

/// A value as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Object(Vec<(Key, Node)>),
    Array(Vec<Node>),
    String(String),
    Bool(bool),
    /// A number as written.
    Number(String),
    Null,
    /// Anything the reader does not evaluate (`resourceId(…)`, `var.x`), as written.
    Expression(String),
}

/// An object key and where it is written.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub text: String,
    pub at: Position,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub at: Position,
}

/// Keys and enum values compare without case, `_` and `-`, so that the REST casing
/// (`serviceResourceId`, `PrivateEndpoint`), the CLI's snake case
/// (`service_resource_id`, `private_endpoint`) and Terraform's spelling
/// (`sub_resource_target`) are one name.
pub fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

impl Node {
    /// The value under `key` (compared with [`normalize`]).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, node)| node)
    }

    /// The key and value under `key`.
    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        let Value::Object(entries) = &self.value else {
            return None;
        };
        let wanted = normalize(key);
        entries
            .iter()
            .find(|(k, _)| normalize(&k.text) == wanted)
            .map(|(k, v)| (k, v))
    }

    /// The first of several spellings of a key that is present.
    pub fn get_any(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().find_map(|key| self.get(key))
    }

    /// A string, or a number or boolean as text; expressions too (they are what the file
    /// says, even if not evaluated).
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) | Value::Number(text) | Value::Expression(text) => Some(text),
            Value::Bool(true) => Some("true"),
            Value::Bool(false) => Some("false"),
            _ => None,
        }
    }

    /// A string literal only.
    pub fn string(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Array(items) => items,
            _ => &[],
        }
    }

    pub fn entries(&self) -> &[(Key, Node)] {
        match &self.value {
            Value::Object(entries) => entries,
            _ => &[],
        }
    }

    /// A boolean, written as one or as the string `true`/`false`.
    pub fn bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(flag) => Some(*flag),
            Value::String(text) | Value::Expression(text) => match text.as_str() {
                "true" | "True" => Some(true),
                "false" | "False" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// Strings of a value that may be one string, a comma-separated string or a list.
    pub fn strings(&self) -> Vec<(String, Position)> {
        match &self.value {
            Value::Array(items) => items
                .iter()
                .filter_map(|item| Some((item.text()?.to_string(), item.at)))
                .collect(),
            _ => self
                .text()
                .map(|text| vec![(text.to_string(), self.at)])
                .unwrap_or_default(),
        }
    }
}

/// A syntax error at a byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub offset: usize,
    pub message: String,
}

/// The brace syntaxes [`Braces`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Bicep,
    Hcl,
}

/// A tolerant reader of JSON, Bicep object literals and HCL bodies.
pub struct Braces<'a> {
    file: &'a SourceFile,
    bytes: &'a [u8],
    pub position: usize,
    syntax: Syntax,
}

impl<'a> Braces<'a> {
    pub fn new(file: &'a SourceFile, syntax: Syntax, position: usize) -> Self {
        Self {
            file,
            bytes: file.text.as_bytes(),
            position,
            syntax,
        }
    }

    fn error<T>(&self, message: &str) -> Result<T, SyntaxError> {
        Err(SyntaxError {
            offset: self.position,
            message: message.to_string(),
        })
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    /// Skips whitespace (with newlines) and comments.
    pub fn skip_space(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.position += 1,
                Some(b'#') if self.syntax == Syntax::Hcl => self.skip_line(),
                Some(b'/') if self.bytes.get(self.position + 1) == Some(&b'/') => self.skip_line(),
                Some(b'/') if self.bytes.get(self.position + 1) == Some(&b'*') => {
                    match self.file.text[self.position + 2..].find("*/") {
                        Some(end) => self.position += end + 4,
                        None => self.position = self.bytes.len(),
                    }
                }
                _ => return,
            }
        }
    }

    fn skip_line(&mut self) {
        while let Some(byte) = self.peek() {
            if byte == b'\n' {
                return;
            }
            self.position += 1;
        }
    }

    /// Skips spaces and tabs only.
    fn skip_inline_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.position += 1;
        }
    }

    /// Reads one value starting at the current position (after whitespace).
    pub fn value(&mut self) -> Result<Node, SyntaxError> {
        self.skip_space();
        let start = self.position;
        let value = match self.peek() {
            None => return self.error("unexpected end of input"),
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(quote @ (b'"' | b'\'')) => Value::String(self.string(quote)?),
            Some(_) => {
                let text = self.expression();
                if text.is_empty() {
                    return self.error("expected a value");
                }
                match text.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    _ if text.parse::<f64>().is_ok() => Value::Number(text),
                    _ => Value::Expression(text),
                }
            }
        };
        Ok(Node {
            value,
            at: Position::span(self.file, start, self.position),
        })
    }

    fn object(&mut self) -> Result<Value, SyntaxError> {
        self.position += 1;
        let mut entries = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                None => return self.error("unclosed `{`"),
                Some(b'}') => {
                    self.position += 1;
                    return Ok(Value::Object(entries));
                }
                Some(b',') => {
                    self.position += 1;
                    continue;
                }
                _ => {}
            }
            let key_start = self.position;
            let text = match self.peek() {
                Some(quote @ (b'"' | b'\'')) => self.string(quote)?,
                _ => self.identifier(),
            };
            if text.is_empty() {
                return self.error("expected a key");
            }
            let key = Key {
                text,
                at: Position::span(self.file, key_start, self.position),
            };
            self.skip_inline_space();
            // HCL block labels: `dynamic "x" {`.
            while self.syntax == Syntax::Hcl && self.peek() == Some(b'"') {
                self.string(b'"')?;
                self.skip_inline_space();
            }
            match self.peek() {
                Some(b':' | b'=') => {
                    self.position += 1;
                }
                Some(b'{') => {}
                _ => return self.error("expected `:`, `=` or `{` after a key"),
            }
            let value = self.value()?;
            entries.push((key, value));
        }
    }

    fn array(&mut self) -> Result<Value, SyntaxError> {
        self.position += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                None => return self.error("unclosed `[`"),
                Some(b']') => {
                    self.position += 1;
                    return Ok(Value::Array(items));
                }
                Some(b',') => {
                    self.position += 1;
                }
                _ => items.push(self.value()?),
            }
        }
    }

    fn identifier(&mut self) -> String {
        let start = self.position;
        while let Some(byte) = self.peek() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.' | b'$' | b'@') {
                self.position += 1;
            } else {
                break;
            }
        }
        self.file.text[start..self.position].to_string()
    }

    /// A quoted string, unescaped. HCL `${…}` interpolations are kept as written.
    pub fn string(&mut self, quote: u8) -> Result<String, SyntaxError> {
        let start = self.position;
        self.position += 1;
        let mut out = String::new();
        loop {
            let Some(byte) = self.peek() else {
                self.position = start;
                return self.error("unclosed string");
            };
            if byte == b'\n' && self.syntax != Syntax::Bicep {
                self.position = start;
                return self.error("unclosed string");
            }
            if byte == quote {
                self.position += 1;
                return Ok(out);
            }
            if byte == b'\\' {
                self.position += 1;
                let Some(escaped) = self.file.text[self.position..].chars().next() else {
                    continue;
                };
                self.position += escaped.len_utf8();
                match escaped {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'u' if self.syntax == Syntax::Json => {
                        let decoded = self
                            .file
                            .text
                            .get(self.position..self.position + 4)
                            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                            .and_then(char::from_u32);
                        match decoded {
                            Some(decoded) => {
                                out.push(decoded);
                                self.position += 4;
                            }
                            // Surrogate pairs and broken escapes: the text is only
                            // shown, never matched, so a replacement character will do.
                            None => out.push('\u{fffd}'),
                        }
                    }
                    other => out.push(other),
                }
                continue;
            }
            if self.syntax == Syntax::Hcl && self.file.text[self.position..].starts_with("${") {
                let from = self.position;
                self.skip_balanced(b'{', b'}', 1);
                out.push_str(&self.file.text[from..self.position]);
                continue;
            }
            // Push the whole character, not one byte of it.
            let character = self.file.text[self.position..]
                .chars()
                .next()
                .unwrap_or('?');
            out.push(character);
            self.position += character.len_utf8();
        }
    }

    /// Skips from an opening delimiter `skip` bytes ahead to after its match, stepping
    /// over quoted strings.
    fn skip_balanced(&mut self, open: u8, close: u8, skip: usize) {
        self.position += skip;
        let mut depth = 0usize;
        while let Some(byte) = self.peek() {
            match byte {
                b'"' | b'\'' => {
                    if self.string(byte).is_err() {
                        self.position += 1;
                    }
                    continue;
                }
                _ if byte == open => depth += 1,
                _ if byte == close => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.position += 1;
                        return;
                    }
                }
                _ => {}
            }
            self.position += 1;
        }
    }

    /// An unquoted value: up to a newline, `,`, `}` or `]` outside brackets and strings.
    fn expression(&mut self) -> String {
        let start = self.position;
        let mut depth = 0usize;
        while let Some(byte) = self.peek() {
            match byte {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' if depth > 0 => depth -= 1,
                b'\n' | b',' | b'}' | b']' if depth == 0 => break,
                b'"' | b'\'' => {
                    if self.string(byte).is_err() {
                        self.position += 1;
                    }
                    continue;
                }
                _ => {}
            }
            self.position += 1;
        }
        self.file.text[start..self.position].trim().to_string()
    }
}

/// Converts a saphyr marked YAML node.
pub fn from_yaml(node: &saphyr::MarkedYamlOwned, file: &SourceFile) -> Node {
    use saphyr::{ScalarOwned, YamlDataOwned};
    let at = yaml_position(node, file);
    let value = match &node.data {
        YamlDataOwned::Mapping(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let text = match &key.data {
                        YamlDataOwned::Value(scalar) => scalar_text(scalar),
                        _ => String::new(),
                    };
                    (
                        Key {
                            text,
                            at: yaml_position(key, file),
                        },
                        from_yaml(value, file),
                    )
                })
                .collect(),
        ),
        YamlDataOwned::Sequence(items) => {
            Value::Array(items.iter().map(|item| from_yaml(item, file)).collect())
        }
        YamlDataOwned::Value(ScalarOwned::String(text)) => Value::String(text.clone()),
        YamlDataOwned::Value(ScalarOwned::Boolean(flag)) => Value::Bool(*flag),
        YamlDataOwned::Value(ScalarOwned::Null) => Value::Null,
        YamlDataOwned::Value(scalar) => Value::Number(scalar_text(scalar)),
        YamlDataOwned::Tagged(_, inner) => return from_yaml(inner, file),
        _ => Value::Null,
    };
    Node { value, at }
}

fn scalar_text(scalar: &saphyr::ScalarOwned) -> String {
    use saphyr::ScalarOwned;
    match scalar {
        ScalarOwned::String(text) => text.clone(),
        ScalarOwned::Integer(number) => number.to_string(),
        ScalarOwned::FloatingPoint(number) => number.to_string(),
        ScalarOwned::Boolean(flag) => flag.to_string(),
        ScalarOwned::Null => String::new(),
    }
}

/// saphyr counts lines from 1 and columns (in characters) from 0.
fn yaml_position(node: &saphyr::MarkedYamlOwned, file: &SourceFile) -> Position {
    let line = u32::try_from(node.span.start.line()).unwrap_or(u32::MAX);
    let column = u32::try_from(node.span.start.col() + 1).unwrap_or(u32::MAX);
    let width = if node.span.end.line() == node.span.start.line() {
        node.span.end.col().saturating_sub(node.span.start.col())
    } else {
        file.line_text(line).map_or(1, |text| {
            text.chars().count().saturating_sub(node.span.start.col())
        })
    };
    Position {
        line,
        column,
        width: u32::try_from(width.max(1)).unwrap_or(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, syntax: Syntax) -> Node {
        let file = SourceFile::new("t", text);
        Braces::new(&file, syntax, 0).value().unwrap()
    }

    #[test]
    fn reads_json_with_positions() {
        let node = parse(
            "{\n  \"a\": [1, \"x\"],\n  \"b\": {\"c\": true}\n}",
            Syntax::Json,
        );
        let a = node.get("a").unwrap();
        assert_eq!(a.items()[1].string(), Some("x"));
        assert_eq!((a.items()[1].at.line, a.items()[1].at.column), (2, 12));
        assert_eq!(a.items()[1].at.width, 3);
        assert_eq!(node.get("b").unwrap().get("c").unwrap().bool(), Some(true));
    }

    #[test]
    fn reads_bicep_and_hcl_bodies() {
        let bicep = parse(
            "{\n  name: 'r1'\n  properties: {\n    id: resourceId(a, 'b', 'c')\n    // comment\n    list: [\n      'x'\n      'y'\n    ]\n  }\n}",
            Syntax::Bicep,
        );
        let properties = bicep.get("properties").unwrap();
        assert_eq!(
            properties.get("id").unwrap().text(),
            Some("resourceId(a, 'b', 'c')")
        );
        assert_eq!(properties.get("list").unwrap().items().len(), 2);
        let hcl = parse(
            "{\n  name = \"r\" # c\n  id = \"/x/${local.a}/y\"\n  block {\n    k = [a.b]\n  }\n}",
            Syntax::Hcl,
        );
        assert_eq!(hcl.get("id").unwrap().string(), Some("/x/${local.a}/y"));
        assert_eq!(hcl.get("block").unwrap().get("k").unwrap().items().len(), 1);
    }

    #[test]
    fn keys_compare_across_casings() {
        assert_eq!(
            normalize("service_resource_id"),
            normalize("serviceResourceId")
        );
        assert_eq!(normalize("PrivateEndpoint"), normalize("private_endpoint"));
    }

    #[test]
    fn broken_input_is_an_error_not_a_panic() {
        let file = SourceFile::new("t", "{ \"a\": [1, ");
        assert!(Braces::new(&file, Syntax::Json, 0).value().is_err());
        let file = SourceFile::new("t", "{ 'unclosed");
        assert!(Braces::new(&file, Syntax::Bicep, 0).value().is_err());
    }
}
