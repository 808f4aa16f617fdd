//! Python projects: `pyproject.toml`. Which program installs the project decides which
//! tables count, because each installer reads only its own: `[tool.uv]` makes it a uv
//! project, else `[tool.poetry]` a Poetry one, else `[tool.pdm]` a PDM one, else pip.
//!
//! Every installer reads the standard tables: PEP 621 `[project] dependencies` and
//! `optional-dependencies`, PEP 735 `[dependency-groups]` and PEP 518 `[build-system]
//! requires`. Each entry is a PEP 508 requirement: a name is fetched from an index, and
//! `name @ URL` is downloaded or cloned directly (and, unless it is a wheel, built, which
//! fetches its build backend from the index).
//!
//! On top of that, the installer's own table:
//! - uv: `[tool.uv]` index options and `[tool.uv.sources]`, shared with `uv.toml` (see
//!   [`crate::formats::uv_toml`]), and the legacy `dev-dependencies` list;
//! - Poetry: `[[tool.poetry.source]]` with priorities (the first primary source replaces
//!   the default index unless a source named `PyPI` keeps it; supplemental sources add;
//!   explicit ones serve only the dependencies pinned to them), and dependency tables whose
//!   entries may be versions, `git`, `url`, `path` or `source` pins;
//! - PDM: `[[tool.pdm.source]]` (a source named `pypi` replaces the default index, others
//!   add, `type = "find_links"` is a find-links page) and `dev-dependencies`. PDM expands
//!   `${VAR}` in source URLs, so they are expanded as pip's are: only with `--env`.
//!
//! Dependencies that name a `git`, `url` or `path` source are built unless they are
//! wheels, so they need the index too (for the build backend), as in requirements files.
//!
//! This module also holds [`Reader`], the typed, span-aware TOML walker that the Pipfile
//! and `uv.toml` parsers share: a value of the wrong type becomes a diagnostic and the rest
//! of the file is still read.

use std::path::Path;
use std::str::FromStr;

use toml_edit::{Item, Key, TableLike, Value};

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::requirements_txt::RawUrl;
use crate::formats::{
    ParseContext, declared, expand_variables, file_name, push_direct, toml_support, uv_toml,
    warn_plain_http,
};
use crate::model::{Declared, Installer, Kind, Manifest, Role};
use crate::remote;
use crate::source::{Location, SourceFile};

pub struct PyprojectToml;

pub const NAME: &str = "python/pyproject-toml";

impl super::Format for PyprojectToml {
    fn name(&self) -> &'static str {
        NAME
    }

    fn matches(&self, path: &Path) -> bool {
        file_name(path) == "pyproject.toml"
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        parse(file, context)
    }
}

/// Parses a `pyproject.toml`.
pub fn parse(file: &SourceFile, context: &ParseContext) -> Manifest {
    let document = match toml_support::parse(file) {
        Ok(document) => document,
        Err(error) => return Reader::failed(file, NAME, Installer::Pip, Role::Install, error),
    };
    let root = document.as_table();
    let mut reader = Reader::new(file, NAME, Installer::Pip, Role::Install);
    let tool = root.get("tool").and_then(|item| reader.table(item, "tool"));
    let section = |name: &str| tool.and_then(|tool| tool.get(name));
    let installer = if section("uv").is_some() {
        Installer::Uv
    } else if section("poetry").is_some() {
        Installer::Poetry
    } else if section("pdm").is_some() {
        Installer::Pdm
    } else {
        Installer::Pip
    };
    reader.manifest.installer = installer;

    standard_tables(&mut reader, root);
    match installer {
        Installer::Uv => {
            if let Some(uv) = section("uv").and_then(|item| reader.table(item, "tool.uv")) {
                uv_project(&mut reader, uv);
            }
        }
        Installer::Poetry => {
            if let Some(poetry) =
                section("poetry").and_then(|item| reader.table(item, "tool.poetry"))
            {
                poetry_project(&mut reader, poetry);
            }
        }
        Installer::Pdm => {
            if let Some(pdm) = section("pdm").and_then(|item| reader.table(item, "tool.pdm")) {
                pdm_project(&mut reader, pdm, context);
            }
        }
        Installer::Pip | Installer::Pipenv => {}
    }
    reader.finish()
}

/// The tables every installer reads: PEP 621, PEP 735 and PEP 518.
fn standard_tables(reader: &mut Reader<'_>, root: &toml_edit::Table) {
    if let Some(build) = root
        .get("build-system")
        .and_then(|item| reader.table(item, "build-system"))
        && let Some(requires) = build.get("requires")
    {
        reader.requirements(requires, "build-system.requires", false);
    }
    if let Some(project) = root
        .get("project")
        .and_then(|item| reader.table(item, "project"))
    {
        if let Some(dependencies) = project.get("dependencies") {
            reader.requirements(dependencies, "project.dependencies", false);
        }
        if let Some(optional) = project
            .get("optional-dependencies")
            .and_then(|item| reader.table(item, "project.optional-dependencies"))
        {
            for (extra, item) in optional.iter() {
                reader.requirements(
                    item,
                    &format!("project.optional-dependencies.{extra}"),
                    false,
                );
            }
        }
    }
    if let Some(groups) = root
        .get("dependency-groups")
        .and_then(|item| reader.table(item, "dependency-groups"))
    {
        for (group, item) in groups.iter() {
            // `{include-group = "…"}` entries name other groups, which are read anyway.
            reader.requirements(item, &format!("dependency-groups.{group}"), true);
        }
    }
}

/// `[tool.uv]`: the legacy dev-dependency list, sources, then index options (sources
/// first, because an explicit index counts only when a source pins a package to it).
fn uv_project(reader: &mut Reader<'_>, uv: &dyn TableLike) {
    if let Some(dev) = uv.get("dev-dependencies") {
        reader.requirements(dev, "tool.uv.dev-dependencies", false);
    }
    let pins = uv
        .get("sources")
        .map(|sources| uv_toml::read_sources(reader, sources, "tool.uv.sources"))
        .unwrap_or_default();
    uv_toml::read_options(reader, uv, "tool.uv", &pins);
}

/// A source's priority as Poetry understands it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Priority {
    /// Poetry 1's `default`: replaces the default index.
    Default,
    /// Searched for every package; the first one replaces the default index.
    Primary,
    /// Searched only when the primary sources lack a package.
    Supplemental,
    /// Used only by dependencies that pin it with `source = "name"`.
    Explicit,
}

/// A `[[tool.poetry.source]]` as written.
struct PoetrySource {
    name: Option<String>,
    priority: Priority,
    url: Option<(String, Location)>,
    /// The table's header.
    at: Location,
}

/// `[tool.poetry]`: dependencies first (to learn which sources they pin), then sources.
fn poetry_project(reader: &mut Reader<'_>, poetry: &dyn TableLike) {
    let mut pins: Vec<IndexPin> = Vec::new();
    let mut tables: Vec<(&Item, String)> = Vec::new();
    for key in ["dependencies", "dev-dependencies"] {
        if let Some(item) = poetry.get(key) {
            tables.push((item, format!("tool.poetry.{key}")));
        }
    }
    if let Some(groups) = poetry
        .get("group")
        .and_then(|item| reader.table(item, "tool.poetry.group"))
    {
        for (group, item) in groups.iter() {
            let path = format!("tool.poetry.group.{group}");
            if let Some(dependencies) = reader
                .table(item, &path)
                .and_then(|group| group.get("dependencies"))
            {
                tables.push((dependencies, format!("{path}.dependencies")));
            }
        }
    }
    for (item, path) in tables {
        let Some(dependencies) = reader.table(item, &path) else {
            continue;
        };
        for (name, value) in dependencies.iter() {
            // The Python version constraint is not a package.
            if name == "python" {
                continue;
            }
            let at = reader.key_at(dependencies, name, value);
            poetry_dependency(reader, value, &format!("{path}.{name}"), &at, &mut pins);
        }
    }

    let sources = poetry
        .get("source")
        .map(|item| reader.tables(item, "tool.poetry.source"))
        .unwrap_or_default();
    let mut names: Vec<String> = Vec::new();
    let mut declared_sources: Vec<PoetrySource> = Vec::new();
    for (index, (source, at)) in sources.into_iter().enumerate() {
        let path = format!("tool.poetry.source[{index}]");
        let name = reader
            .string_key(source, "name", &path)
            .map(|(name, _)| name.to_string());
        if let Some(name) = &name {
            names.push(name.clone());
        }
        let priority = poetry_priority(reader, source, &path);
        let url = reader
            .string_key(source, "url", &path)
            .map(|(url, at)| (url.to_string(), at));
        let is_pypi = name.as_deref().is_some_and(is_pypi_name);
        if source.get("url").is_none() && !is_pypi {
            reader.problem(at.clone(), format!("`{path}` has no `url`"));
        }
        declared_sources.push(PoetrySource {
            name,
            priority,
            url,
            at,
        });
    }
    // A source named PyPI without a URL is the default index itself: declaring it keeps
    // the default in place even when primary sources exist.
    let keeps_default = declared_sources
        .iter()
        .any(|source| source.url.is_none() && source.name.as_deref().is_some_and(is_pypi_name));
    // Poetry 1's `default` source outranks primary ones; otherwise the first primary wins.
    let first_with = |priority: Priority| {
        declared_sources
            .iter()
            .position(|source| source.priority == priority && source.url.is_some())
    };
    let replacing = if keeps_default {
        None
    } else {
        first_with(Priority::Default).or_else(|| first_with(Priority::Primary))
    };
    for (position, source) in declared_sources.into_iter().enumerate() {
        let Some((url, url_at)) = source.url else {
            continue;
        };
        if source.priority == Priority::Explicit {
            let name = source.name.as_deref().unwrap_or_default();
            if pins.iter().any(|pin| pin.name.eq_ignore_ascii_case(name)) {
                let declared = reader.index(&url, &url_at);
                reader.manifest.options.extra_index_urls.push(declared);
            } else {
                reader.unused_explicit(
                    source.at,
                    name,
                    "pin a dependency to it with `source = \"name\"`, or change its priority",
                );
            }
            continue;
        }
        let declared = reader.index(&url, &url_at);
        if replacing == Some(position) {
            reader.manifest.options.index_url = Some(declared);
        } else {
            reader.manifest.options.extra_index_urls.push(declared);
        }
    }
    // `pypi` names the default index whether or not it is declared.
    names.push("pypi".to_string());
    reader.unknown_pins(&pins, &names, true, "[[tool.poetry.source]]");
}

fn is_pypi_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("pypi")
}

/// A source's `priority`, or the legacy `default`/`secondary` flags; primary when unset.
fn poetry_priority(reader: &mut Reader<'_>, source: &dyn TableLike, path: &str) -> Priority {
    if let Some((priority, at)) = reader.string_key(source, "priority", path) {
        return match priority.to_ascii_lowercase().as_str() {
            "primary" => Priority::Primary,
            "default" => Priority::Default,
            "supplemental" | "secondary" => Priority::Supplemental,
            "explicit" => Priority::Explicit,
            _ => {
                reader.problem(
                    at,
                    format!(
                        "`{path}.priority` should be `primary`, `supplemental` or `explicit`, not `{priority}`"
                    ),
                );
                Priority::Primary
            }
        };
    }
    if reader.flag(source, "default", path) {
        Priority::Default
    } else if reader.flag(source, "secondary", path) {
        Priority::Supplemental
    } else {
        Priority::Primary
    }
}

/// One Poetry dependency: a version string, a table, or an array of tables that split
/// it by markers.
fn poetry_dependency(
    reader: &mut Reader<'_>,
    value: &Item,
    path: &str,
    at: &Location,
    pins: &mut Vec<IndexPin>,
) {
    if value.is_str() {
        reader.need_index(at);
        return;
    }
    let entries = if let Some(table) = value.as_table_like() {
        vec![(table, at.clone())]
    } else if value.is_array() || value.is_array_of_tables() {
        reader.tables(value, path)
    } else {
        reader.unexpected(reader.item_at(value), path, "a string or a table", value);
        return;
    };
    for (entry, entry_at) in entries {
        if let Some((url, url_at)) = reader.string_key(entry, "git", path) {
            reader.direct_source(Kind::Vcs, url, &url_at);
        } else if let Some((url, url_at)) = reader.string_key(entry, "url", path) {
            reader.direct_source(Kind::Archive, url, &url_at);
        } else if let Some((local, local_at)) = reader.string_key(entry, "path", path) {
            reader.local_source(local, &local_at);
        } else {
            reader.need_index(&entry_at);
        }
        if let Some((source, source_at)) = reader.string_key(entry, "source", path) {
            pins.push(IndexPin {
                name: source.to_string(),
                at: source_at,
            });
        }
    }
}

/// `[tool.pdm]`: legacy dev-dependency groups and sources. PDM expands `${VAR}` in source
/// URLs (credentials usually), so they are expanded with `--env` like pip's.
fn pdm_project(reader: &mut Reader<'_>, pdm: &dyn TableLike, context: &ParseContext) {
    if let Some(groups) = pdm
        .get("dev-dependencies")
        .and_then(|item| reader.table(item, "tool.pdm.dev-dependencies"))
    {
        for (group, item) in groups.iter() {
            let path = format!("tool.pdm.dev-dependencies.{group}");
            for (text, at) in reader.strings(item, &path) {
                pdm_dev_requirement(reader, text, &at);
            }
        }
    }
    let sources = pdm
        .get("source")
        .map(|item| reader.tables(item, "tool.pdm.source"))
        .unwrap_or_default();
    for (index, (source, at)) in sources.into_iter().enumerate() {
        let path = format!("tool.pdm.source[{index}]");
        let name = reader
            .string_key(source, "name", &path)
            .map(|(name, _)| name);
        let kind = reader
            .string_key(source, "type", &path)
            .map_or("index", |(kind, _)| kind);
        let Some((url, url_at)) = reader.string_key(source, "url", &path) else {
            if source.get("url").is_none() {
                reader.problem(at, format!("`{path}` has no `url`"));
            }
            continue;
        };
        let url = expand_variables(url, context);
        match kind {
            "find_links" => reader.find_link(&url, &url_at),
            "index" => {
                let declared = reader.index(&url, &url_at);
                // A source named `pypi` is PDM's way of replacing the default index.
                if name.is_some_and(is_pypi_name) {
                    reader.manifest.options.index_url = Some(declared);
                } else {
                    reader.manifest.options.extra_index_urls.push(declared);
                }
            }
            other => reader.problem(
                url_at,
                format!("`{path}.type` should be `index` or `find_links`, not `{other}`"),
            ),
        }
    }
}

/// A PDM dev dependency: a requirement, or `-e` followed by a path or URL.
fn pdm_dev_requirement(reader: &mut Reader<'_>, text: &str, at: &Location) {
    let Some(editable) = text.strip_prefix("-e") else {
        reader.requirement(text, at);
        return;
    };
    let editable = editable.trim();
    if remote::vcs_of(editable).is_some() {
        reader.direct_source(Kind::Vcs, editable, at);
    } else if remote::has_scheme(editable) {
        reader.direct_source(Kind::Archive, editable, at);
    } else if remote::looks_local(editable) {
        reader.local_source(editable, at);
    } else {
        reader.requirement(editable, at);
    }
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
        match pep508_rs::Requirement::<RawUrl>::from_str(text) {
            Ok(requirement) => match requirement.version_or_url {
                Some(pep508_rs::VersionOrUrl::Url(url)) => {
                    let kind = if remote::vcs_of(&url.0).is_some() {
                        Kind::Vcs
                    } else {
                        Kind::Archive
                    };
                    self.direct_source(kind, &url.0, at);
                }
                _ => self.need_index(at),
            },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Format;

    fn manifest(text: &str) -> Manifest {
        parse(
            &SourceFile::new("pyproject.toml", text),
            &ParseContext::default(),
        )
    }

    fn host(declared: &Declared) -> &str {
        declared
            .remote
            .as_ref()
            .map_or("<unknown>", |remote| remote.host.as_str())
    }

    fn extras(manifest: &Manifest) -> Vec<&str> {
        manifest.options.extra_index_urls.iter().map(host).collect()
    }

    fn codes(manifest: &Manifest) -> Vec<&'static str> {
        manifest
            .diagnostics
            .iter()
            .map(|diagnostic| diagnostic.code.name())
            .collect()
    }

    #[test]
    fn matches_only_pyproject() {
        assert!(PyprojectToml.matches(Path::new("a/pyproject.toml")));
        assert!(!PyprojectToml.matches(Path::new("pyproject.toml.bak")));
    }

    #[test]
    fn installer_follows_the_tool_tables() {
        let installer = |text: &str| manifest(text).installer;
        assert_eq!(installer("[project]\nname = 'a'\n"), Installer::Pip);
        assert_eq!(installer("[tool.pdm]\n"), Installer::Pdm);
        assert_eq!(installer("[tool.pdm]\n[tool.poetry]\n"), Installer::Poetry);
        assert_eq!(
            installer("[tool.poetry]\n[tool.uv.sources]\n"),
            Installer::Uv
        );
    }

    #[test]
    fn pep_621_requirements() {
        let manifest = manifest(
            "[project]\ndependencies = [\n  'torch @ https://download.pytorch.org/whl/torch-2.0-cp311-none-any.whl',\n  \"requests>=2\",\n  'lib @ git+https://github.com/org/lib',\n  'bad ===',\n  3,\n]\n",
        );
        let at = manifest.needs_index.as_ref().map(|at| (at.line, at.column));
        assert_eq!(at, Some((4, 4)));
        let kinds: Vec<_> = manifest
            .direct
            .iter()
            .map(|direct| (direct.kind, direct.remote.host.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                (Kind::Archive, "download.pytorch.org"),
                (Kind::Vcs, "github.com")
            ]
        );
        assert_eq!(
            codes(&manifest),
            ["invalid-requirement", "unexpected-value"]
        );
        assert_eq!(manifest.diagnostics[0].location.line, 6);
    }

    #[test]
    fn a_wheel_alone_needs_no_index() {
        let manifest = manifest(
            "[project]\ndependencies = ['torch @ https://download.pytorch.org/whl/torch-2.0-cp311-none-any.whl']\n",
        );
        assert!(manifest.needs_index.is_none());
        assert_eq!(manifest.direct.len(), 1);
    }

    #[test]
    fn uv_default_index_replaces_and_explicit_needs_a_pin() {
        let manifest = manifest(
            r#"
[project]
dependencies = ["torch"]

[tool.uv.sources]
torch = { index = "pytorch" }

[[tool.uv.index]]
name = "pytorch"
url = "https://download.pytorch.org/whl/cpu"
explicit = true

[[tool.uv.index]]
name = "unused"
url = "https://unused.example.com/simple"
explicit = true

[[tool.uv.index]]
url = "https://mirror.example.com/simple"
default = true

[[tool.uv.index]]
url = "https://extra.example.com/simple"
"#,
        );
        assert_eq!(manifest.installer, Installer::Uv);
        assert_eq!(
            manifest.options.index_url.as_ref().map(host),
            Some("mirror.example.com")
        );
        assert_eq!(
            extras(&manifest),
            ["download.pytorch.org", "extra.example.com"]
        );
        assert_eq!(codes(&manifest), ["unused-explicit-index"]);
        assert_eq!(manifest.diagnostics[0].location.line, 13);
    }

    #[test]
    fn uv_sources_git_url_and_unknown_index() {
        let manifest = manifest(
            r#"
[tool.uv.sources]
a = { git = "https://github.com/org/a", tag = "v1" }
b = [
  { url = "https://example.com/b-1.0.tar.gz", marker = "sys_platform == 'linux'" },
  { path = "./b" },
]
c = { index = "nowhere" }
d = { workspace = true }
"#,
        );
        let kinds: Vec<_> = manifest
            .direct
            .iter()
            .map(|direct| (direct.kind, direct.remote.host.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [(Kind::Vcs, "github.com"), (Kind::Archive, "example.com")]
        );
        assert_eq!(codes(&manifest), ["unknown-index-name"]);
        assert_eq!(manifest.diagnostics[0].location.line, 8);
    }

    #[test]
    fn poetry_primary_replaces_and_supplemental_adds() {
        let manifest = manifest(
            r#"
[tool.poetry.dependencies]
python = "^3.11"
requests = "^2"
internal = { version = "1", source = "private" }

[[tool.poetry.source]]
name = "mirror"
url = "https://mirror.example.com/simple"

[[tool.poetry.source]]
name = "second"
url = "https://second.example.com/simple"
priority = "primary"

[[tool.poetry.source]]
name = "extra"
url = "https://extra.example.com/simple"
priority = "supplemental"

[[tool.poetry.source]]
name = "private"
url = "https://private.example.com/simple"
priority = "explicit"

[[tool.poetry.source]]
name = "unpinned"
url = "https://unpinned.example.com/simple"
priority = "explicit"
"#,
        );
        assert_eq!(manifest.installer, Installer::Poetry);
        assert_eq!(
            manifest.options.index_url.as_ref().map(host),
            Some("mirror.example.com")
        );
        assert_eq!(
            extras(&manifest),
            [
                "second.example.com",
                "extra.example.com",
                "private.example.com"
            ]
        );
        assert_eq!(codes(&manifest), ["unused-explicit-index"]);
        assert_eq!(
            manifest.needs_index.as_ref().map(|at| at.line),
            Some(4),
            "python is not a package"
        );
    }

    #[test]
    fn poetry_pypi_source_keeps_the_default() {
        let manifest = manifest(
            r#"
[tool.poetry.dependencies]
lib = { git = "https://github.com/org/lib.git", branch = "main" }
pinned = { version = "*", source = "PyPI" }
ghost = { version = "*", source = "ghost" }

[[tool.poetry.source]]
name = "PyPI"
priority = "primary"

[[tool.poetry.source]]
name = "mirror"
url = "https://mirror.example.com/simple"
"#,
        );
        assert!(manifest.options.index_url.is_none());
        assert_eq!(extras(&manifest), ["mirror.example.com"]);
        assert_eq!(manifest.direct[0].kind, Kind::Vcs);
        assert_eq!(codes(&manifest), ["unknown-index-name"]);
    }

    #[test]
    fn poetry_legacy_flags() {
        let manifest = manifest(
            r#"
[tool.poetry]
[[tool.poetry.source]]
name = "old"
url = "https://old.example.com/simple"
secondary = true

[[tool.poetry.source]]
name = "main"
url = "https://main.example.com/simple"
default = true
"#,
        );
        assert_eq!(
            manifest.options.index_url.as_ref().map(host),
            Some("main.example.com")
        );
        assert_eq!(extras(&manifest), ["old.example.com"]);
    }

    #[test]
    fn pdm_sources() {
        let manifest = manifest(
            r#"
[tool.pdm.dev-dependencies]
test = ["-e git+https://github.com/org/tool#egg=tool", "-e file:///${PROJECT_ROOT}/sub"]

[[tool.pdm.source]]
name = "pypi"
url = "https://mirror.example.com/simple"

[[tool.pdm.source]]
name = "extra"
url = "https://extra.example.com/simple"

[[tool.pdm.source]]
name = "wheels"
url = "https://wheels.example.com/links/"
type = "find_links"
"#,
        );
        assert_eq!(manifest.installer, Installer::Pdm);
        assert_eq!(
            manifest.options.index_url.as_ref().map(host),
            Some("mirror.example.com")
        );
        assert_eq!(extras(&manifest), ["extra.example.com"]);
        assert_eq!(
            manifest
                .options
                .find_links
                .iter()
                .map(host)
                .collect::<Vec<_>>(),
            ["wheels.example.com"]
        );
        assert_eq!(manifest.direct[0].kind, Kind::Vcs);
        assert!(
            manifest.diagnostics.is_empty(),
            "{:?}",
            manifest.diagnostics
        );
    }

    #[test]
    fn syntax_error_is_one_diagnostic() {
        let manifest = manifest("[project]\ndependencies = [\n  'a',\n\n[tool.uv]\n");
        assert_eq!(codes(&manifest), ["syntax-error"]);
        assert_eq!(manifest.diagnostics[0].location.line, 5);
        assert!(manifest.needs_index.is_none());
        assert_eq!(manifest.installer, Installer::Pip);
    }

    #[test]
    fn wrong_types_are_reported_and_skipped() {
        let manifest = manifest(
            "[project]\ndependencies = 'requests'\n[project.optional-dependencies]\nx = ['ok']\n[tool.uv]\nindex-url = ['https://a.example.com']\nno-index = 'yes'\n",
        );
        assert_eq!(
            codes(&manifest),
            ["unexpected-value", "unexpected-value", "unexpected-value"]
        );
        assert_eq!(
            manifest.diagnostics[0].message,
            "`project.dependencies` should be an array of strings, not a string"
        );
        assert_eq!(manifest.needs_index.as_ref().map(|at| at.line), Some(4));
    }
}
