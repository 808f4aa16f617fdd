//! Python lockfiles: `uv.lock`, `poetry.lock`, `pdm.lock`, `pylock.toml` (PEP 751) and
//! `Pipfile.lock`. Their URLs are exact — the index each package was locked from, the
//! file each wheel and sdist is downloaded from, the commit of each git source — so they
//! are used as written and beat defaults. Where a lock records no URL (a Poetry or PDM
//! package from the default source), the package needs the default index, which the
//! project's own configuration may have replaced (resolved like any unit of its
//! installer).
//!
//! A lock can list thousands of files on one host: each host is reported once per kind,
//! at its first occurrence, which keeps evidence readable and memory flat.

use std::collections::BTreeSet;
use std::path::Path;

use toml_edit::{Item, TableLike};

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::toml_support::{self, Reader};
use crate::formats::{Candidate, ParseContext, declared, file_name, push_direct};
use crate::model::{Installer, Kind, Manifest, Role};
use crate::source::{Location, SourceFile};

pub struct PythonLock;

pub const NAME: &str = "python/lockfile";

/// Which lockfile a file is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lock {
    Uv,
    Poetry,
    Pdm,
    Pylock,
    Pipfile,
}

fn lock_of(name: &str) -> Option<Lock> {
    match name {
        "uv.lock" => Some(Lock::Uv),
        "poetry.lock" => Some(Lock::Poetry),
        "pdm.lock" => Some(Lock::Pdm),
        "pipfile.lock" => Some(Lock::Pipfile),
        _ if name == "pylock.toml"
            || (name.starts_with("pylock.")
                && Path::new(name)
                    .extension()
                    .is_some_and(|extension| extension == "toml")) =>
        {
            Some(Lock::Pylock)
        }
        _ => None,
    }
}

impl super::Format for PythonLock {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Python lockfiles"
    }

    fn files(&self) -> &'static str {
        r"`uv.lock`, `poetry.lock`, `pdm.lock`, `pylock.toml` (PEP 751), `Pipfile.lock`"
    }

    fn reads(&self) -> &'static str {
        r"exact URLs: the index each package was locked from, every sdist and wheel URL, git sources; packages a lock records without a URL need the default index (or what the project replaced it with); each host is reported once per kind, at its first occurrence"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        lock_of(candidate.lower_name()).is_some()
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        let lock = lock_of(&file_name(Path::new(&file.path))).unwrap_or(Lock::Pylock);
        let installer = match lock {
            Lock::Uv => Installer::Uv,
            Lock::Poetry => Installer::Poetry,
            Lock::Pdm => Installer::Pdm,
            Lock::Pipfile => Installer::Pipenv,
            Lock::Pylock => Installer::Pip,
        };
        if lock == Lock::Pipfile {
            return pipfile_lock(file);
        }
        let document = match toml_support::parse(file) {
            Ok(document) => document,
            Err(error) => return Reader::failed(file, NAME, installer, Role::Install, error),
        };
        let mut reader = Reader::new(file, NAME, installer, Role::Install);
        let mut seen = Seen::default();
        let key = if lock == Lock::Pylock {
            "packages"
        } else {
            "package"
        };
        let Some(packages) = document.get(key) else {
            return reader.finish();
        };
        for (package, _) in reader.tables(packages, key) {
            read_package(&mut reader, &mut seen, lock, package);
        }
        reader.finish()
    }
}

/// (host, kind) pairs already recorded.
#[derive(Default)]
struct Seen(BTreeSet<(String, Kind)>);

impl Seen {
    /// Records a URL once per host and kind.
    fn record(&mut self, reader: &mut Reader<'_>, kind: Kind, url: &str, at: &Location) {
        let host = crate::remote::parse(url)
            .map(|remote| remote.host)
            .unwrap_or_default();
        if self.0.insert((host, kind)) {
            push_direct(&mut reader.manifest, kind, url, reader.file, at);
        }
    }
}

fn read_package(reader: &mut Reader<'_>, seen: &mut Seen, lock: Lock, package: &dyn TableLike) {
    let mut has_source = false;
    let url_of =
        |reader: &mut Reader<'_>, table: &dyn TableLike, key: &str| -> Option<(String, Location)> {
            let item = table.get(key)?;
            let (text, at) = reader.string(item, key)?;
            Some((text.to_string(), at))
        };
    match lock {
        Lock::Uv => {
            if let Some(source) = package.get("source").and_then(Item::as_table_like) {
                for (key, kind) in [
                    ("registry", Kind::Index),
                    ("git", Kind::Vcs),
                    ("url", Kind::Archive),
                ] {
                    if let Some((url, at)) = url_of(reader, source, key) {
                        seen.record(reader, kind, &url, &at);
                        has_source = true;
                    }
                }
                has_source |= ["path", "directory", "editable", "virtual"]
                    .iter()
                    .any(|key| source.contains_key(key));
            }
        }
        Lock::Poetry => {
            if let Some(source) = package.get("source").and_then(Item::as_table_like) {
                has_source = true;
                let kind = match source.get("type").and_then(Item::as_str) {
                    Some("legacy") => Some(Kind::Index),
                    Some("git") => Some(Kind::Vcs),
                    Some("url") => Some(Kind::Archive),
                    _ => None,
                };
                if let Some(kind) = kind
                    && let Some((url, at)) = url_of(reader, source, "url")
                {
                    seen.record(reader, kind, &url, &at);
                }
            }
        }
        Lock::Pdm => {
            for (key, kind) in [("git", Kind::Vcs), ("url", Kind::Archive)] {
                if let Some((url, at)) = url_of(reader, package, key) {
                    seen.record(reader, kind, &url, &at);
                    has_source = true;
                }
            }
            has_source |= package.contains_key("path");
        }
        Lock::Pylock => {
            if let Some((url, at)) = url_of(reader, package, "index") {
                seen.record(reader, Kind::Index, &url, &at);
                has_source = true;
            }
            for (key, kind) in [("vcs", Kind::Vcs), ("archive", Kind::Archive)] {
                if let Some(table) = package.get(key).and_then(Item::as_table_like)
                    && let Some((url, at)) = url_of(reader, table, "url")
                {
                    seen.record(reader, kind, &url, &at);
                    has_source = true;
                }
            }
            has_source |= package.contains_key("directory");
        }
        Lock::Pipfile => {}
    }
    // Files: uv and pylock record the URL of every sdist and wheel; pdm with static URLs.
    let mut file_urls: Vec<(String, Location)> = Vec::new();
    if let Some(sdist) = package.get("sdist").and_then(Item::as_table_like)
        && let Some(found) = url_of(reader, sdist, "url")
    {
        file_urls.push(found);
    }
    for key in ["wheels", "files"] {
        if let Some(array) = package.get(key).and_then(Item::as_array) {
            for value in array {
                if let Some(table) = value.as_inline_table()
                    && let Some(url) = table.get("url").and_then(|url| url.as_str())
                {
                    let at = table
                        .get("url")
                        .map_or_else(|| reader.value_at(value), |url| reader.value_at(url));
                    file_urls.push((url.to_string(), at));
                }
            }
        }
    }
    for (url, at) in &file_urls {
        seen.record(reader, Kind::Files, url, at);
    }
    if !has_source && file_urls.is_empty() {
        // A package from the default source without a URL in the lock.
        let at = package
            .get("name")
            .map_or_else(|| reader.file.location(0), |name| reader.item_at(name));
        reader.need_index(&at);
    }
}

/// `Pipfile.lock` (JSON): `_meta.sources` are the indexes (the first replaces the default,
/// as in the Pipfile), packages with `git` or `file` URLs are fetched directly.
fn pipfile_lock(file: &SourceFile) -> Manifest {
    let mut manifest = Manifest::new(&file.path, NAME, Installer::Pipenv, Role::Install);
    let value: serde_json::Value = match serde_json::from_str(&file.text) {
        Ok(value) => value,
        Err(error) => {
            manifest.diagnostics.push(Diagnostic::at(
                Code::SyntaxError,
                file,
                file.line_location(error.line().max(1), error.column().max(1)),
                format!("not valid JSON: {error}"),
            ));
            return manifest;
        }
    };
    // JSON carries no positions: find each string where it is written.
    let locate = |text: &str| -> Location {
        let encoded = serde_json::to_string(text).unwrap_or_default();
        file.text.find(&encoded).map_or_else(
            || file.line_location(1, 1),
            |offset| file.location(offset + 1),
        )
    };
    let sources = value
        .pointer("/_meta/sources")
        .and_then(serde_json::Value::as_array);
    for (index, source) in sources.into_iter().flatten().enumerate() {
        if let Some(url) = source.get("url").and_then(serde_json::Value::as_str) {
            let at = locate(url);
            let declared = declared(url, file, &at, &mut manifest.diagnostics);
            if index == 0 {
                manifest.options.index_url = Some(declared);
            } else {
                manifest.options.extra_index_urls.push(declared);
            }
        }
    }
    let mut seen: BTreeSet<(String, Kind)> = BTreeSet::new();
    for group in ["default", "develop"] {
        let Some(packages) = value.get(group).and_then(serde_json::Value::as_object) else {
            continue;
        };
        for (name, package) in packages {
            let mut direct = false;
            for (key, kind) in [("git", Kind::Vcs), ("file", Kind::Archive)] {
                if let Some(url) = package.get(key).and_then(serde_json::Value::as_str)
                    && crate::remote::has_scheme(url)
                {
                    direct = true;
                    let host = crate::remote::parse(url)
                        .map(|remote| remote.host)
                        .unwrap_or_default();
                    if seen.insert((host, kind)) {
                        push_direct(&mut manifest, kind, url, file, &locate(url));
                    }
                }
            }
            if !direct && package.get("path").is_none() {
                let at = locate(name);
                manifest.need_index(at);
            }
        }
    }
    manifest
}
