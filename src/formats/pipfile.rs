//! Pipenv projects: `Pipfile`. Its `[[source]]` tables define the indexes completely:
//! the first source replaces the default index and the others add to it; without any
//! `[[source]]` Pipenv uses the default index (which it names `pypi`).
//!
//! `[packages]` and `[dev-packages]` map names to a version (`"*"`, `">=1"`), fetched
//! from an index, or to a table: `git` (plus `ref`) is cloned, `file` is downloaded (or
//! read locally), `path` is local, and `index = "name"` pins the package to a source,
//! which must be defined. Anything but a wheel is built, and building fetches the build
//! backend from the index.
//!
//! Pipenv expands `${VAR}` in source URLs (credentials, usually); like pip's, they are
//! expanded only with `--env`.

use toml_edit::Item;

use crate::formats::toml_support::{IndexPin, Reader};
use crate::formats::{Candidate, ParseContext, expand_variables, toml_support};
use crate::model::{Declared, Installer, Kind, Manifest, Role};
use crate::remote;
use crate::source::{Location, SourceFile};

pub struct Pipfile;

pub const NAME: &str = "python/pipfile";

/// The tables that list packages.
const PACKAGE_TABLES: [&str; 2] = ["packages", "dev-packages"];

impl super::Format for Pipfile {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Pipfile"
    }

    fn files(&self) -> &'static str {
        r"`Pipfile`"
    }

    fn reads(&self) -> &'static str {
        r"`[[source]]` (the first replaces the default index), git and file dependencies"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.lower_name() == "pipfile"
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        parse(file, context)
    }
}

/// Parses a `Pipfile`.
pub fn parse(file: &SourceFile, context: &ParseContext) -> Manifest {
    let document = match toml_support::parse(file) {
        Ok(document) => document,
        Err(error) => return Reader::failed(file, NAME, Installer::Pipenv, Role::Install, error),
    };
    let root = document.as_table();
    let mut reader = Reader::new(file, NAME, Installer::Pipenv, Role::Install);

    let mut names: Vec<String> = Vec::new();
    let sources = root
        .get("source")
        .map(|item| reader.tables(item, "source"))
        .unwrap_or_default();
    // Pipenv names its default index `pypi` when no source is declared.
    if sources.is_empty() {
        names.push("pypi".to_string());
    }
    for (position, (source, at)) in sources.into_iter().enumerate() {
        let path = format!("source[{position}]");
        if let Some((name, _)) = reader.string_key(source, "name", &path) {
            names.push(name.to_string());
        }
        // Checked for its type only: TLS verification changes no host.
        reader.flag(source, "verify_ssl", &path);
        let declared = if let Some((url, url_at)) = reader.string_key(source, "url", &path) {
            let url = expand_variables(url, context);
            Some(reader.index(&url, &url_at))
        } else {
            if source.get("url").is_none() {
                reader.problem(at.clone(), format!("`{path}` has no `url`"));
            }
            None
        };
        if position == 0 {
            // Pipenv never falls back to the default index once a source is declared, so
            // an unusable first source still replaces it (with an unknown host).
            reader.manifest.options.index_url =
                Some(declared.unwrap_or(Declared { remote: None, at }));
        } else if let Some(declared) = declared {
            reader.manifest.options.extra_index_urls.push(declared);
        }
    }

    let mut pins = Vec::new();
    for table in PACKAGE_TABLES {
        let Some(packages) = root.get(table).and_then(|item| reader.table(item, table)) else {
            continue;
        };
        for (name, value) in packages.iter() {
            let at = reader.key_at(packages, name, value);
            reader.manifest.use_package(name, &at);
            package(
                &mut reader,
                value,
                &format!("{table}.{name}"),
                &at,
                &mut pins,
            );
        }
    }
    reader.unknown_pins(&pins, &names, false, "a [[source]] table's `name`");
    reader.finish()
}

/// One package: a version string or a table.
fn package(
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
    let Some(table) = value.as_table_like() else {
        reader.unexpected(
            reader.item_at(value),
            path,
            "a version string or a table",
            value,
        );
        return;
    };
    if let Some((url, url_at)) = reader.string_key(table, "git", path) {
        reader.direct_source(Kind::Vcs, url, &url_at);
    } else if let Some((file, file_at)) = reader.string_key(table, "file", path) {
        if remote::has_scheme(file) {
            reader.direct_source(Kind::Archive, file, &file_at);
        } else {
            reader.local_source(file, &file_at);
        }
    } else if let Some((local, local_at)) = reader.string_key(table, "path", path) {
        reader.local_source(local, &local_at);
    } else {
        reader.need_index(at);
    }
    if let Some((index, index_at)) = reader.string_key(table, "index", path) {
        pins.push(IndexPin {
            name: index.to_string(),
            at: index_at,
        });
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::formats::Format;
    use std::path::Path;

    fn manifest(text: &str) -> Manifest {
        parse(&SourceFile::new("Pipfile", text), &ParseContext::default())
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
    fn matches_pipfile_not_its_lock() {
        assert!(Pipfile.matches(&Candidate::new(Path::new("app/Pipfile"))));
        assert!(Pipfile.matches(&Candidate::new(Path::new("pipfile"))));
        assert!(!Pipfile.matches(&Candidate::new(Path::new("Pipfile.lock"))));
    }

    #[test]
    fn first_source_replaces_and_others_add() {
        let manifest = manifest(
            r#"
[[source]]
url = "https://mirror.example.com/simple"
verify_ssl = true
name = "mirror"

[[source]]
url = "https://download.pytorch.org/whl/cpu"
verify_ssl = true
name = "torch"

[packages]
requests = "*"
torch = { version = "*", index = "torch" }
lib = { git = "https://github.com/org/lib.git", ref = "v1" }
local = { path = "./local", editable = true }
wheel = { file = "https://example.com/wheel-1.0-py3-none-any.whl" }
other = { version = "*", index = "nowhere" }
"#,
        );
        assert_eq!(manifest.installer, Installer::Pipenv);
        assert_eq!(
            manifest.options.index_url.as_ref().map(host),
            Some("mirror.example.com")
        );
        let extras: Vec<_> = manifest.options.extra_index_urls.iter().map(host).collect();
        assert_eq!(extras, ["download.pytorch.org"]);
        let direct: Vec<_> = manifest
            .direct
            .iter()
            .map(|direct| (direct.kind, direct.remote.host.as_str()))
            .collect();
        assert_eq!(
            direct,
            [(Kind::Vcs, "github.com"), (Kind::Archive, "example.com")]
        );
        assert_eq!(manifest.needs_index.as_ref().map(|at| at.line), Some(13));
        assert_eq!(codes(&manifest), ["unknown-index-name"]);
        assert_eq!(manifest.diagnostics[0].location.line, 18);
    }

    #[test]
    fn without_sources_the_default_is_named_pypi() {
        let manifest = manifest("[packages]\na = { version = \"*\", index = \"pypi\" }\n");
        assert!(manifest.options.is_empty());
        assert!(manifest.diagnostics.is_empty());
        assert!(manifest.needs_index.is_some());
    }

    #[test]
    fn source_variables_expand_only_with_env() {
        let text = "[[source]]\nurl = \"https://${MIRROR}/simple\"\nname = \"m\"\n";
        let plain = manifest(text);
        assert_eq!(codes(&plain), ["unresolved-variable"]);
        assert!(plain.options.index_url.is_some());
        let context = ParseContext {
            env: Some(BTreeMap::from([(
                "MIRROR".to_string(),
                "mirror.example.com".to_string(),
            )])),
        };
        let expanded = parse(&SourceFile::new("Pipfile", text), &context);
        assert_eq!(
            expanded.options.index_url.as_ref().map(host),
            Some("mirror.example.com")
        );
    }

    #[test]
    fn syntax_error_is_one_diagnostic() {
        let manifest = manifest("[packages]\nrequests = \"*\"\nbroken = \n");
        assert_eq!(codes(&manifest), ["syntax-error"]);
        assert_eq!(manifest.diagnostics[0].location.line, 3);
        assert!(manifest.needs_index.is_none());
    }

    #[test]
    fn wrong_types() {
        let manifest = manifest(
            "[source]\nurl = \"https://a.example.com\"\n[packages]\na = 1\nb = { git = 2 }\n",
        );
        assert_eq!(codes(&manifest), ["unexpected-value"; 3]);
        assert!(manifest.options.is_empty());
        assert_eq!(manifest.needs_index.as_ref().map(|at| at.line), Some(5));
    }
}
