//! uv configuration: `uv.toml`, and the same keys under `[tool.uv]` in a
//! `pyproject.toml` (this module's [`read_options`] reads both). uv reads it for the
//! projects in its directory tree; it never reads pip's configuration.
//!
//! Keys, as uv applies them:
//! - `[[index]]` tables with `url`, `name`, `default`, `explicit` and `format`. The first
//!   index with `default = true` replaces the default index (uv drops later defaults);
//!   an `explicit = true` index serves only the packages that `[tool.uv.sources]` pins to
//!   it by name, so it counts only when some source does (and `uv.toml` has no sources);
//!   `format = "flat"` is a find-links page; any other index adds to the default;
//! - `index-url` replaces the default index, but only when no `[[index]]` is marked
//!   default (uv ranks it below them); `extra-index-url` adds; `find-links` adds flat
//!   pages (local directories reach no host); `no-index = true` removes every index.
//!
//! uv expands no environment variables in these files, so nothing here is expanded.

use toml_edit::{Item, TableLike};

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::toml_support::{IndexPin, Reader, key_path};
use crate::formats::{Candidate, ParseContext, toml_support};
use crate::model::{Installer, Kind, Manifest, Role};
use crate::source::{Location, SourceFile};

pub struct UvToml;

pub const NAME: &str = "python/uv-toml";

impl super::Format for UvToml {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "uv configuration"
    }

    fn files(&self) -> &'static str {
        r"`uv.toml`"
    }

    fn reads(&self) -> &'static str {
        r"the same keys as `[tool.uv]`; uv never reads pip's configuration and pip never reads uv's"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.lower_name() == "uv.toml"
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        parse(file)
    }
}

/// Parses a `uv.toml`.
pub fn parse(file: &SourceFile) -> Manifest {
    let document = match toml_support::parse(file) {
        Ok(document) => document,
        Err(error) => return Reader::failed(file, NAME, Installer::Uv, Role::Config, error),
    };
    let mut reader = Reader::new(file, NAME, Installer::Uv, Role::Config);
    read_options(&mut reader, document.as_table(), "", &[]);
    reader.finish()
}

/// Reads uv's index options from a table (`uv.toml`'s top level or `[tool.uv]`) into
/// the manifest. `pins` are the index names `[tool.uv.sources]` pins packages to: they
/// decide whether explicit indexes are used, and each must name an index.
pub(crate) fn read_options(
    reader: &mut Reader<'_>,
    table: &dyn TableLike,
    prefix: &str,
    pins: &[IndexPin],
) {
    let mut names: Vec<String> = Vec::new();
    // Where the default index was declared by `[[index]]`, once one has been.
    let mut default_at: Option<Location> = None;
    if let Some(item) = table.get("index") {
        let path = key_path(prefix, "index");
        for (position, (index, at)) in reader.tables(item, &path).into_iter().enumerate() {
            let path = format!("{path}[{position}]");
            let name = reader
                .string_key(index, "name", &path)
                .map(|(name, _)| name.to_string());
            if let Some(name) = &name {
                names.push(name.clone());
            }
            let default = reader.flag(index, "default", &path);
            let explicit = reader.flag(index, "explicit", &path);
            let flat = match reader.string_key(index, "format", &path) {
                Some(("flat", _)) => true,
                Some(("simple", _)) | None => false,
                Some((other, format_at)) => {
                    reader.problem(
                        format_at,
                        format!("`{path}.format` should be `simple` or `flat`, not `{other}`"),
                    );
                    false
                }
            };
            let Some((url, url_at)) = reader.string_key(index, "url", &path) else {
                if index.get("url").is_none() {
                    reader.problem(at, format!("`{path}` has no `url`"));
                }
                continue;
            };
            if explicit {
                let pinned = name
                    .as_deref()
                    .is_some_and(|name| pins.iter().any(|pin| pin.name == name));
                if pinned {
                    let declared = reader.index(url, &url_at);
                    reader.manifest.options.extra_index_urls.push(declared);
                } else {
                    let help = if prefix.is_empty() {
                        "uv.toml cannot pin packages; pin them in a project's [tool.uv.sources], or remove `explicit = true`"
                    } else {
                        "pin a package to it in [tool.uv.sources] (`name = { index = \"…\" }`), or remove `explicit = true`"
                    };
                    reader.unused_explicit(at, name.as_deref().unwrap_or_default(), help);
                }
                continue;
            }
            if flat {
                reader.find_link(url, &url_at);
                continue;
            }
            if !default {
                let declared = reader.index(url, &url_at);
                reader.manifest.options.extra_index_urls.push(declared);
                continue;
            }
            if let Some(first) = &default_at {
                overridden(
                    reader,
                    url_at,
                    format!(
                        "uv uses only the first default index (line {}); this one is ignored",
                        first.line
                    ),
                );
                continue;
            }
            let declared = reader.index(url, &url_at);
            reader.manifest.options.index_url = Some(declared);
            default_at = Some(url_at);
        }
    }
    if let Some(item) = table.get("index-url")
        && let Some((url, at)) = reader.string(item, &key_path(prefix, "index-url"))
    {
        if let Some(first) = &default_at {
            overridden(
                reader,
                at,
                format!(
                    "`index-url` is ignored: uv prefers the `[[{}]]` marked default (line {})",
                    key_path(prefix, "index"),
                    first.line
                ),
            );
        } else {
            let declared = reader.index(url, &at);
            reader.manifest.options.index_url = Some(declared);
        }
    }
    if let Some(item) = table.get("extra-index-url") {
        for (url, at) in reader.strings(item, &key_path(prefix, "extra-index-url")) {
            let declared = reader.index(url, &at);
            reader.manifest.options.extra_index_urls.push(declared);
        }
    }
    if let Some(item) = table.get("find-links") {
        for (url, at) in reader.strings(item, &key_path(prefix, "find-links")) {
            reader.find_link(url, &at);
        }
    }
    if let Some((true, at)) = reader.boolean_key(table, "no-index", prefix) {
        reader.manifest.options.no_index = Some(at);
    }
    let defined_in = format!("[[{}]]", key_path(prefix, "index"));
    reader.unknown_pins(pins, &names, false, &defined_in);
}

fn overridden(reader: &mut Reader<'_>, at: Location, message: String) {
    reader.manifest.diagnostics.push(
        Diagnostic::at(Code::IndexOverridden, reader.file, at, message)
            .with_help("mark one index `default = true` and let the others add to it"),
    );
}

/// Reads `[tool.uv.sources]`: git and URL sources are contacted directly; index sources
/// pin a package to a named index, returned so the caller can check the names.
pub(crate) fn read_sources(reader: &mut Reader<'_>, item: &Item, path: &str) -> Vec<IndexPin> {
    let mut pins = Vec::new();
    let Some(sources) = reader.table(item, path) else {
        return pins;
    };
    for (package, value) in sources.iter() {
        let path = format!("{path}.{package}");
        // One table, or an array of them split by markers.
        let entries = if let Some(table) = value.as_table_like() {
            vec![(table, reader.key_at(sources, package, value))]
        } else if value.is_array() || value.is_array_of_tables() {
            reader.tables(value, &path)
        } else {
            let at = reader.item_at(value);
            reader.unexpected(at, &path, "a table or an array of tables", value);
            continue;
        };
        for (entry, at) in entries {
            if let Some((url, url_at)) = reader.string_key(entry, "git", &path) {
                reader.direct_source(Kind::Vcs, url, &url_at);
            } else if let Some((url, url_at)) = reader.string_key(entry, "url", &path) {
                reader.direct_source(Kind::Archive, url, &url_at);
            } else if let Some((local, local_at)) = reader.string_key(entry, "path", &path) {
                reader.local_source(local, &local_at);
            } else if let Some((index, index_at)) = reader.string_key(entry, "index", &path) {
                pins.push(IndexPin {
                    name: index.to_string(),
                    at: index_at,
                });
            } else if entry.get("workspace").is_none()
                && !["git", "url", "path", "index"]
                    .iter()
                    .any(|key| entry.contains_key(key))
            {
                // A workspace member is built from the workspace; nothing to fetch here.
                reader.problem(
                    at,
                    format!(
                        "`{path}` names no `git`, `url`, `path`, `index` or `workspace` source"
                    ),
                );
            }
        }
    }
    pins
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Format;
    use crate::model::Declared;
    use std::path::Path;

    fn manifest(text: &str) -> Manifest {
        parse(&SourceFile::new("uv.toml", text))
    }

    fn host(declared: &Declared) -> &str {
        declared
            .remote
            .as_ref()
            .map_or("<unknown>", |remote| remote.host.as_str())
    }

    fn codes(manifest: &Manifest) -> Vec<&'static str> {
        manifest
            .diagnostics
            .iter()
            .map(|diagnostic| diagnostic.code.name())
            .collect()
    }

    #[test]
    fn matches_only_uv_toml() {
        assert!(UvToml.matches(&Candidate::new(Path::new("sub/uv.toml"))));
        assert!(!UvToml.matches(&Candidate::new(Path::new("uv.lock"))));
    }

    #[test]
    fn default_index_replaces_and_wins_over_index_url() {
        let manifest = manifest(
            r#"
index-url = "https://legacy.example.com/simple"
extra-index-url = ["https://extra.example.com/simple"]
find-links = ["https://links.example.com/wheels/", "./wheels"]

[[index]]
url = "https://mirror.example.com/simple"
default = true

[[index]]
url = "https://second.example.com/simple"
default = true
"#,
        );
        assert_eq!(manifest.role, Role::Config);
        assert_eq!(manifest.installer, Installer::Uv);
        assert_eq!(
            manifest.options.index_url.as_ref().map(host),
            Some("mirror.example.com")
        );
        let extras: Vec<_> = manifest.options.extra_index_urls.iter().map(host).collect();
        assert_eq!(extras, ["extra.example.com"]);
        let links: Vec<_> = manifest.options.find_links.iter().map(host).collect();
        assert_eq!(links, ["links.example.com"]);
        assert_eq!(codes(&manifest), ["index-overridden", "index-overridden"]);
        assert!(manifest.needs_index.is_none());
    }

    #[test]
    fn explicit_index_cannot_be_used_from_uv_toml() {
        let manifest = manifest(
            "[[index]]\nname = \"torch\"\nurl = \"https://download.pytorch.org/whl/cpu\"\nexplicit = true\n",
        );
        assert!(manifest.options.is_empty());
        assert_eq!(codes(&manifest), ["unused-explicit-index"]);
        assert_eq!(manifest.diagnostics[0].location.line, 1);
    }

    #[test]
    fn index_url_alone_replaces() {
        let manifest =
            manifest("index-url = \"http://plain.example.com/simple\"\nno-index = true\n");
        assert_eq!(
            manifest.options.index_url.as_ref().map(host),
            Some("plain.example.com")
        );
        assert_eq!(
            manifest.options.no_index.as_ref().map(|at| at.line),
            Some(2)
        );
        assert_eq!(codes(&manifest), ["plain-http"]);
    }

    #[test]
    fn syntax_error_has_the_right_line() {
        let manifest = manifest("index-url = \"https://a.example.com\"\n\nextra-index-url = [\n");
        assert_eq!(codes(&manifest), ["syntax-error"]);
        // The unclosed array, not the end of the file.
        assert_eq!(manifest.diagnostics[0].location.line, 3);
        assert!(manifest.options.is_empty());
    }

    #[test]
    fn wrong_types() {
        let manifest = manifest(
            "index-url = 1\nextra-index-url = \"https://a.example.com\"\nno-index = \"true\"\nindex = { url = \"https://b.example.com\" }\n",
        );
        assert_eq!(codes(&manifest), ["unexpected-value"; 4]);
        assert!(manifest.options.is_empty());
        assert_eq!(
            manifest.diagnostics[0].message,
            "`index` should be an array of tables, not an inline table"
        );
    }
}
