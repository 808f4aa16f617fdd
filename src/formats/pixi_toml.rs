//! pixi's `pixi.toml`. Conda channels come from `[workspace]` (or the older `[project]`)
//! `channels`, `[feature.NAME] channels` and per-dependency `channel = "…"`; they resolve
//! like conda's channel names (`conda-forge` under `https://conda.anaconda.org`, full
//! URLs as written), but pixi reads no `.condarc`. Python packages
//! (`[pypi-dependencies]`, also under `[feature.*]` and `[target.*]`) come from the public
//! Python index unless `[pypi-options] index-url` replaces it (`extra-index-urls` add,
//! `find-links` URLs are read); `git`/`url` dependencies come from their host, `path` is
//! local. With Python packages, pixi also downloads its conda-to-Python name mapping.

use toml_edit::TableLike;

use crate::formats::toml_support::{self, Reader, key_path};
use crate::formats::{Candidate, ParseContext, expand_variables};
use crate::model::{CondaChannel, Installer, Kind, Manifest, Role};
use crate::remote;
use crate::source::SourceFile;

pub struct PixiToml;

pub const NAME: &str = "conda/pixi-toml";

/// The service pixi maps conda package names to Python package names with.
const PYPI_MAPPING: &str = "https://conda-mapping.prefix.dev";

const CONDA_GROUPS: [&str; 3] = ["dependencies", "host-dependencies", "build-dependencies"];

impl super::Format for PixiToml {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "pixi manifests"
    }

    fn files(&self) -> &'static str {
        "`pixi.toml`"
    }

    fn reads(&self) -> &'static str {
        "`[workspace]`/`[project]` and `[feature.*]` `channels` and per-dependency `channel` (resolved like conda channel names, without `.condarc`), `[pypi-options]` `index-url` (replaces the Python default), `extra-index-urls`, `find-links`, `[pypi-dependencies]` (also under `[feature.*]`/`[target.*]`: names need the index, `git`/`url` their host, `path` is local), and the conda-to-PyPI name mapping pixi downloads when there are PyPI dependencies"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.lower_name() == "pixi.toml"
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        let document = match toml_support::parse(file) {
            Ok(document) => document,
            Err(error) => {
                return Reader::failed(file, NAME, Installer::Pixi, Role::Install, error);
            }
        };
        let mut reader = Reader::new(file, NAME, Installer::Pixi, Role::Install);
        read(&mut reader, document.as_table(), "", context);
        reader.finish()
    }
}

/// Reads pixi's tables: a whole `pixi.toml` (`prefix` empty) or a `pyproject.toml`'s
/// `[tool.pixi]` (`prefix` `tool.pixi`), whose `[project]` dependencies are pixi's Python
/// dependencies.
pub(crate) fn read(
    reader: &mut Reader<'_>,
    root: &dyn TableLike,
    prefix: &str,
    context: &ParseContext,
) {
    for key in ["workspace", "project"] {
        let path = key_path(prefix, key);
        if let Some(item) = root.get(key)
            && let Some(table) = reader.table(item, &path)
        {
            channels(reader, table, &path, context);
        }
    }
    section(reader, root, prefix, context);
    if let Some(item) = root.get("feature") {
        let path = key_path(prefix, "feature");
        if let Some(features) = reader.table(item, &path) {
            for (name, item) in features.iter() {
                let path = key_path(&path, name);
                if let Some(feature) = reader.table(item, &path) {
                    channels(reader, feature, &path, context);
                    section(reader, feature, &path, context);
                }
            }
        }
    }
    if let Some(at) = reader.manifest.needs_index.clone() {
        crate::formats::push_direct(
            &mut reader.manifest,
            Kind::Api,
            PYPI_MAPPING,
            reader.file,
            &at,
        );
    }
}

/// The dependency tables and Python index options of the top level or a feature, and of its
/// `[target.PLATFORM]` tables.
fn section(reader: &mut Reader<'_>, table: &dyn TableLike, prefix: &str, context: &ParseContext) {
    dependencies(reader, table, prefix, context);
    if let Some(item) = table.get("pypi-options") {
        let path = key_path(prefix, "pypi-options");
        if let Some(options) = reader.table(item, &path) {
            pypi_options(reader, options, &path, context);
        }
    }
    if let Some(item) = table.get("target") {
        let path = key_path(prefix, "target");
        if let Some(targets) = reader.table(item, &path) {
            for (platform, item) in targets.iter() {
                let path = key_path(&path, platform);
                if let Some(target) = reader.table(item, &path) {
                    dependencies(reader, target, &path, context);
                }
            }
        }
    }
}

fn channels(reader: &mut Reader<'_>, table: &dyn TableLike, prefix: &str, context: &ParseContext) {
    let Some(item) = table.get("channels") else {
        return;
    };
    let path = key_path(prefix, "channels");
    let Some(array) = item.as_array() else {
        reader.unexpected(reader.item_at(item), &path, "an array of channels", item);
        return;
    };
    for value in array {
        let at = reader.value_at(value);
        // A channel is a name or URL, or `{ channel = "…", priority = N }`.
        let name = value.as_str().or_else(|| {
            value
                .as_inline_table()
                .and_then(|table| table.get("channel"))
                .and_then(toml_edit::Value::as_str)
        });
        match name {
            Some(name) => add_channel(reader, name, at, context),
            None => reader.problem(
                at,
                format!(
                    "`{path}` entries should be a channel name, a URL or `{{ channel = \"…\" }}`"
                ),
            ),
        }
    }
}

fn add_channel(
    reader: &mut Reader<'_>,
    name: &str,
    at: crate::source::Location,
    context: &ParseContext,
) {
    reader.manifest.conda_channels.push(CondaChannel {
        name: expand_variables(name, context),
        at,
        implicit: false,
    });
}

fn dependencies(
    reader: &mut Reader<'_>,
    table: &dyn TableLike,
    prefix: &str,
    context: &ParseContext,
) {
    for group in CONDA_GROUPS {
        let Some(item) = table.get(group) else {
            continue;
        };
        let path = key_path(prefix, group);
        let Some(dependencies) = reader.table(item, &path) else {
            continue;
        };
        for (name, item) in dependencies.iter() {
            if let Some(spec) = item.as_table_like()
                && let Some((channel, at)) =
                    reader.string_key(spec, "channel", &key_path(&path, name))
            {
                add_channel(reader, channel, at, context);
            }
        }
    }
    let Some(item) = table.get("pypi-dependencies") else {
        return;
    };
    let path = key_path(prefix, "pypi-dependencies");
    let Some(dependencies) = reader.table(item, &path) else {
        return;
    };
    for (name, item) in dependencies.iter() {
        let at = reader.key_at(dependencies, name, item);
        let path = key_path(&path, name);
        if item.is_str() {
            reader.need_index(&at);
            continue;
        }
        let Some(spec) = item.as_table_like() else {
            reader.unexpected(at, &path, "a version string or a table", item);
            continue;
        };
        if let Some((url, url_at)) = reader.string_key(spec, "git", &path) {
            let url = expand_variables(url, context);
            reader.direct_source(Kind::Vcs, &url, &url_at);
        } else if let Some((url, url_at)) = reader.string_key(spec, "url", &path) {
            let url = expand_variables(url, context);
            reader.direct_source(Kind::Archive, &url, &url_at);
        } else if let Some((local, local_at)) = reader.string_key(spec, "path", &path) {
            reader.local_source(local, &local_at);
        } else {
            if let Some((index, index_at)) = reader.string_key(spec, "index", &path) {
                let url = expand_variables(index, context);
                let declared = reader.index(&url, &index_at);
                reader.manifest.options.extra_index_urls.push(declared);
            }
            reader.need_index(&at);
        }
    }
}

fn pypi_options(
    reader: &mut Reader<'_>,
    options: &dyn TableLike,
    path: &str,
    context: &ParseContext,
) {
    if let Some((url, at)) = reader.string_key(options, "index-url", path) {
        let url = expand_variables(url, context);
        let declared = reader.index(&url, &at);
        reader.manifest.options.index_url = Some(declared);
    }
    if let Some(item) = options.get("extra-index-urls") {
        for (url, at) in reader.strings(item, &key_path(path, "extra-index-urls")) {
            let url = expand_variables(url, context);
            let declared = reader.index(&url, &at);
            reader.manifest.options.extra_index_urls.push(declared);
        }
    }
    if let Some(item) = options.get("find-links") {
        let path = key_path(path, "find-links");
        for (link, _) in reader.tables(item, &path) {
            if let Some((url, at)) = reader.string_key(link, "url", &path) {
                let url = expand_variables(url, context);
                if remote::has_scheme(&url) {
                    reader.find_link(&url, &at);
                }
            }
        }
    }
}
