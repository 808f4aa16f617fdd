//! Helpers shared by the TOML formats (pyproject.toml, Pipfile, uv.toml): parsing with
//! spans, and [`Reader`], a typed walker that turns values into a [`Manifest`] — a value of
//! the wrong type becomes a diagnostic and the rest of the file is still read; every
//! location comes from the TOML spans.

use std::path::Path;

use toml_edit::{Document, Item, Key, TableLike, Value};

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::{declared, push_direct, warn_plain_http};
use crate::model::{Declared, Installer, Kind, Manifest, Role};
use crate::remote;
use crate::source::{Location, SourceFile};

/// Parses TOML keeping spans; a syntax error becomes one diagnostic.
pub fn parse(file: &SourceFile) -> Result<Document<String>, Diagnostic> {
    Document::parse(file.text.clone()).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        let message = error.message().trim().to_string();
        Diagnostic::at(
            Code::SyntaxError,
            file,
            file.location(offset),
            format!("not valid TOML: {message}"),
        )
    })
}

/// The location of an item, or of the fallback offset when it has no span.
pub fn location_of(file: &SourceFile, item: &Item, fallback: usize) -> Location {
    file.location(item.span().map_or(fallback, |span| span.start))
}

/// The location of a value.
pub fn value_location(file: &SourceFile, value: &toml_edit::Value, fallback: usize) -> Location {
    file.location(value.span().map_or(fallback, |span| span.start))
}

/// A package pinned to an index by name (`index = "name"`, `source = "name"`).
#[derive(Clone, Debug)]
pub(crate) struct IndexPin {
    pub(crate) name: String,
    pub(crate) at: Location,
}

/// Walks a TOML document into a [`Manifest`]: typed access that reports values of the
/// wrong type (and carries on), locations from spans, and the recording rules shared by
/// the TOML formats.
pub(crate) struct Reader<'a> {
    pub(crate) file: &'a SourceFile,
    pub(crate) manifest: Manifest,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(
        file: &'a SourceFile,
        format: &'static str,
        installer: Installer,
        role: Role,
    ) -> Self {
        Self {
            file,
            manifest: Manifest::new(&file.path, format, installer, role),
        }
    }

    /// The manifest of a file that is not valid TOML: that one diagnostic, nothing else.
    pub(crate) fn failed(
        file: &SourceFile,
        format: &'static str,
        installer: Installer,
        role: Role,
        error: Diagnostic,
    ) -> Manifest {
        let mut manifest = Manifest::new(&file.path, format, installer, role);
        manifest.diagnostics.push(error);
        manifest
    }

    pub(crate) fn finish(self) -> Manifest {
        self.manifest
    }

    /// Where a value starts; for a string, where its text starts (after the quotes), so
    /// that columns point at what the user wrote.
    pub(crate) fn value_at(&self, value: &Value) -> Location {
        let start = value.span().map_or(0, |span| span.start);
        let mut offset = start;
        if value.is_str() {
            let rest = self.file.text.get(start..).unwrap_or_default();
            if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
                offset += 3;
                // TOML drops a newline right after the opening quotes.
                let after = &rest[3..];
                if after.starts_with("\r\n") {
                    offset += 2;
                } else if after.starts_with('\n') {
                    offset += 1;
                }
            } else if rest.starts_with(['"', '\'']) {
                offset += 1;
            }
        }
        self.file.location(offset)
    }

    /// Where an item starts: a value (see [`Self::value_at`]) or a table's header.
    pub(crate) fn item_at(&self, item: &Item) -> Location {
        match item {
            Item::Value(value) => self.value_at(value),
            other => self
                .file
                .location(other.span().map_or(0, |span| span.start)),
        }
    }

    /// Where the key of an entry is written (a dependency's name), else its value.
    pub(crate) fn key_at(&self, table: &dyn TableLike, key: &str, item: &Item) -> Location {
        table
            .key(key)
            .and_then(Key::span)
            .map_or_else(|| self.item_at(item), |span| self.file.location(span.start))
    }

    /// Reports a value of the wrong type.
    pub(crate) fn unexpected(&mut self, at: Location, path: &str, expected: &str, found: &Item) {
        let found = found.type_name();
        let article = if found.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        self.problem(
            at,
            format!("`{path}` should be {expected}, not {article} {found}"),
        );
    }

    /// Reports a value that cannot be used, with its own message.
    pub(crate) fn problem(&mut self, at: Location, message: String) {
        self.manifest.diagnostics.push(
            Diagnostic::at(Code::UnexpectedValue, self.file, at, message)
                .with_help("this value is skipped; the rest of the file is still read"),
        );
    }

    /// A string, or a diagnostic.
    pub(crate) fn string<'i>(&mut self, item: &'i Item, path: &str) -> Option<(&'i str, Location)> {
        let at = self.item_at(item);
        if let Some(text) = item.as_str() {
            Some((text, at))
        } else {
            self.unexpected(at, path, "a string", item);
            None
        }
    }

    /// The string at `key` of a table, if present; a diagnostic if not a string.
    pub(crate) fn string_key<'i>(
        &mut self,
        table: &'i dyn TableLike,
        key: &str,
        path: &str,
    ) -> Option<(&'i str, Location)> {
        let item = table.get(key)?;
        self.string(item, &key_path(path, key))
    }

    /// Whether `key` of a table is `true`; a diagnostic if it is not a boolean.
    pub(crate) fn flag(&mut self, table: &dyn TableLike, key: &str, path: &str) -> bool {
        self.boolean_key(table, key, path)
            .is_some_and(|(value, _)| value)
    }

    /// The boolean at `key` of a table, with its location.
    pub(crate) fn boolean_key(
        &mut self,
        table: &dyn TableLike,
        key: &str,
        path: &str,
    ) -> Option<(bool, Location)> {
        let item = table.get(key)?;
        let at = self.item_at(item);
        if let Some(value) = item.as_bool() {
            Some((value, at))
        } else {
            self.unexpected(at, &key_path(path, key), "a boolean", item);
            None
        }
    }

    /// A table (standard or inline), or a diagnostic.
    pub(crate) fn table<'i>(&mut self, item: &'i Item, path: &str) -> Option<&'i dyn TableLike> {
        let table = item.as_table_like();
        if table.is_none() {
            self.unexpected(self.item_at(item), path, "a table", item);
        }
        table
    }

    /// The strings of an array; other entries (and a non-array) become diagnostics.
    pub(crate) fn strings<'i>(&mut self, item: &'i Item, path: &str) -> Vec<(&'i str, Location)> {
        let Some(array) = item.as_array() else {
            self.unexpected(self.item_at(item), path, "an array of strings", item);
            return Vec::new();
        };
        let mut strings = Vec::new();
        for (index, value) in array.iter().enumerate() {
            let at = self.value_at(value);
            match value.as_str() {
                Some(text) => strings.push((text, at)),
                None => self.unexpected(
                    at,
                    &format!("{path}[{index}]"),
                    "a string",
                    &Item::Value(value.clone()),
                ),
            }
        }
        strings
    }

    /// The tables of `[[array.of.tables]]` or of an array of inline tables, each with
    /// its location; anything else becomes a diagnostic.
    pub(crate) fn tables<'i>(
        &mut self,
        item: &'i Item,
        path: &str,
    ) -> Vec<(&'i dyn TableLike, Location)> {
        if let Some(tables) = item.as_array_of_tables() {
            return tables
                .iter()
                .map(|table| {
                    let at = self
                        .file
                        .location(table.span().map_or(0, |span| span.start));
                    (table as &dyn TableLike, at)
                })
                .collect();
        }
        let Some(array) = item.as_array() else {
            self.unexpected(self.item_at(item), path, "an array of tables", item);
            return Vec::new();
        };
        let mut tables = Vec::new();
        for (index, value) in array.iter().enumerate() {
            let at = self.value_at(value);
            match value.as_inline_table() {
                Some(table) => tables.push((table as &dyn TableLike, at)),
                None => self.unexpected(
                    at,
                    &format!("{path}[{index}]"),
                    "a table",
                    &Item::Value(value.clone()),
                ),
            }
        }
        tables
    }

    /// Requirement strings in an array. `skip_tables`: PEP 735 groups also hold
    /// `{include-group = "…"}` tables, which install nothing themselves.
    pub(crate) fn requirements(&mut self, item: &Item, path: &str, skip_tables: bool) {
        let Some(array) = item.as_array() else {
            self.unexpected(self.item_at(item), path, "an array of strings", item);
            return;
        };
        for (index, value) in array.iter().enumerate() {
            let at = self.value_at(value);
            match value {
                Value::String(text) => self.requirement(text.value(), &at),
                Value::InlineTable(_) if skip_tables => {}
                other => self.unexpected(
                    at,
                    &format!("{path}[{index}]"),
                    "a requirement string",
                    &Item::Value(other.clone()),
                ),
            }
        }
    }

    /// A PEP 508 requirement: a name is fetched from an index; `name @ URL` directly.
    pub(crate) fn requirement(&mut self, text: &str, at: &Location) {
        match crate::formats::parse_pep508(text) {
            Ok(requirement) => {
                self.manifest.use_package(requirement.name.as_ref(), at);
                match requirement.version_or_url {
                    Some(pep508_rs::VersionOrUrl::Url(url)) => {
                        let kind = if remote::vcs_of(&url.0).is_some() {
                            Kind::Vcs
                        } else {
                            Kind::Archive
                        };
                        self.direct_source(kind, &url.0, at);
                    }
                    _ => self.need_index(at),
                }
            }
            Err(error) => self.manifest.diagnostics.push(
                Diagnostic::at(
                    Code::InvalidRequirement,
                    self.file,
                    at.clone(),
                    format!("not a valid requirement: {}", error.message),
                )
                .with_help("write `name[extras] specifier ; marker` or `name @ URL`"),
            ),
        }
    }

    /// Records that something at `at` comes from an index, keeping the earliest place in
    /// the file (tables are read in a fixed order, not file order).
    pub(crate) fn need_index(&mut self, at: &Location) {
        let earlier = self
            .manifest
            .needs_index
            .as_ref()
            .is_none_or(|first| (at.line, at.column) < (first.line, first.column));
        if earlier {
            self.manifest.needs_index = Some(at.clone());
        }
    }

    /// A package downloaded or cloned from a URL instead of an index. Anything but a wheel
    /// is built, and building fetches the build backend from the index.
    pub(crate) fn direct_source(&mut self, kind: Kind, raw: &str, at: &Location) {
        push_direct(&mut self.manifest, kind, raw, self.file, at);
        if kind == Kind::Vcs || !is_wheel(raw) {
            self.need_index(at);
        }
    }

    /// A package read from a local path: no host, but a source tree is built, and
    /// building fetches the build backend from the index.
    pub(crate) fn local_source(&mut self, path: &str, at: &Location) {
        if !is_wheel(path) {
            self.need_index(at);
        }
    }

    /// An index URL as declared (an unknown host still counts), warning about plain HTTP.
    pub(crate) fn index(&mut self, raw: &str, at: &Location) -> Declared {
        let declared = declared(raw, self.file, at, &mut self.manifest.diagnostics);
        warn_plain_http(&mut self.manifest, &declared, self.file);
        declared
    }

    /// A find-links location: only URLs reach a host; a local directory needs none.
    pub(crate) fn find_link(&mut self, raw: &str, at: &Location) {
        if !remote::has_scheme(raw) {
            return;
        }
        let declared = declared(raw, self.file, at, &mut self.manifest.diagnostics);
        if declared.remote.is_some() {
            warn_plain_http(&mut self.manifest, &declared, self.file);
            self.manifest.options.find_links.push(declared);
        }
    }

    /// Notes an explicit index that nothing pins, so nothing is fetched from it.
    pub(crate) fn unused_explicit(&mut self, at: Location, name: &str, help: &str) {
        self.manifest.diagnostics.push(
            Diagnostic::at(
                Code::UnusedExplicitIndex,
                self.file,
                at,
                format!(
                    "explicit index `{name}` serves only packages pinned to it, and none is; it is not reported"
                ),
            )
            .with_help(help),
        );
    }

    /// Warns about pins to index names that `names` does not define.
    pub(crate) fn unknown_pins(
        &mut self,
        pins: &[IndexPin],
        names: &[String],
        ignore_case: bool,
        defined_in: &str,
    ) {
        for pin in pins {
            let known = names.iter().any(|name| {
                if ignore_case {
                    name.eq_ignore_ascii_case(&pin.name)
                } else {
                    *name == pin.name
                }
            });
            if !known {
                self.manifest.diagnostics.push(
                    Diagnostic::at(
                        Code::UnknownIndexName,
                        self.file,
                        pin.at.clone(),
                        format!("no index named `{}` is defined in this file", pin.name),
                    )
                    .with_help(format!("define it in {defined_in} or fix the name")),
                );
            }
        }
    }
}

/// The dotted path of `key` under `prefix` (empty at the top level of a file), for
/// messages.
pub(crate) fn key_path(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Whether a path or URL names a wheel, which is installed without building.
fn is_wheel(raw: &str) -> bool {
    let path = raw.split(['#', '?']).next().unwrap_or(raw);
    Path::new(path)
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("whl"))
}
