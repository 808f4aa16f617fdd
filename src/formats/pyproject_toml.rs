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
//! The typed, span-aware TOML walker shared with the Pipfile and `uv.toml` parsers is
//! [`crate::formats::toml_support::Reader`].

use toml_edit::{Item, TableLike};

use crate::formats::toml_support::{IndexPin, Reader};
use crate::formats::{Candidate, ParseContext, expand_variables, toml_support, uv_toml};
use crate::model::{Installer, Kind, Manifest, Role};
use crate::remote;
use crate::source::{Location, SourceFile};

pub struct PyprojectToml;

pub const NAME: &str = "python/pyproject-toml";

impl super::Format for PyprojectToml {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "pyproject"
    }

    fn files(&self) -> &'static str {
        r"`pyproject.toml`"
    }

    fn reads(&self) -> &'static str {
        r"PEP 621 dependencies and optional dependencies, `[build-system] requires`, `[tool.uv]` (indexes with `default`/`explicit`, sources), `[tool.poetry]` sources and git/url dependencies, `[tool.pdm]` sources, `[tool.pixi]` (read as `pixi.toml`)"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.lower_name() == "pyproject.toml"
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
    } else if section("pixi").is_some() {
        Installer::Pixi
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
        Installer::Pixi => {
            if let Some(pixi) = section("pixi").and_then(|item| reader.table(item, "tool.pixi")) {
                super::pixi_toml::read(&mut reader, pixi, "tool.pixi", context);
            }
        }
        _ => {}
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Format;
    use crate::model::Declared;
    use std::path::Path;

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
        assert!(PyprojectToml.matches(&Candidate::new(Path::new("a/pyproject.toml"))));
        assert!(!PyprojectToml.matches(&Candidate::new(Path::new("pyproject.toml.bak"))));
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
