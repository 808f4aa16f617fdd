//! Conda environment files: `environment.yml`, and any YAML that *is* a conda
//! environment by its content — Azure ML projects call them `conda.yaml`,
//! `conda_dependencies.yml`, `env.yml`, …. A YAML file counts when its top level is a
//! mapping with a `dependencies:` list and none of the keys of Azure ML assets, CI
//! pipelines or Kubernetes objects; anything else is silently not a conda environment
//! (and its syntax errors are reported only when its name says conda or environment).
//!
//! Channels, as conda resolves them without a `.condarc`: names (and labels such as
//! `nvidia/label/cuda-11.8.0`) live under the channel alias `https://conda.anaconda.org`;
//! `defaults` is Anaconda's repository (`https://repo.anaconda.com/pkgs/…`); full URLs are
//! themselves; `nodefaults` removes `defaults`; no `channels:` at all means `defaults`;
//! `conda-forge::numpy` adds that channel. A channel is needed when the file has at least
//! one conda package. The `pip:` list is read as requirements-file lines (options
//! included, `-r` relative to the YAML) and needs the Python index like any pip unit.

use std::path::Path;

use saphyr::{LoadableYamlNode, MarkedYamlOwned, ScalarOwned, YamlDataOwned};

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::embedded_requirements::Embedded;
use crate::formats::{Candidate, ParseContext, file_name};
use crate::model::{Installer, Manifest, Role};
use crate::source::{Location, SourceFile};

pub struct CondaEnvironment;

pub const NAME: &str = "conda/environment-yaml";

/// Conda's default channel alias (`channel_alias`), per the conda configuration docs.
pub const CHANNEL_ALIAS: &str = "https://conda.anaconda.org";

/// Where `defaults` points without a `.condarc` (`default_channels`): `pkgs/main` and
/// `pkgs/r` (and `pkgs/msys2` on Windows), all on one host.
pub const DEFAULT_CHANNELS: [&str; 2] = [
    "https://repo.anaconda.com/pkgs/main",
    "https://repo.anaconda.com/pkgs/r",
];

/// Top-level keys that mark a YAML file as something other than a conda environment.
const FOREIGN_KEYS: [&str; 14] = [
    "$schema",
    "apiVersion",
    "command",
    "component",
    "conda_file",
    "image",
    "inputs",
    "jobs",
    "kind",
    "on",
    "outputs",
    "steps",
    "stages",
    "trigger",
];

impl super::Format for CondaEnvironment {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "conda environments"
    }

    fn files(&self) -> &'static str {
        r"`environment.yml`, `conda.yaml`, and any YAML whose content is a conda environment (a top-level `dependencies:` list, none of the keys of Azure ML assets, CI pipelines or Kubernetes objects)"
    }

    fn reads(&self) -> &'static str {
        r"`channels:` (names under `https://conda.anaconda.org`, labels, full URLs, `defaults` → `repo.anaconda.com`, `nodefaults`, no `channels:` means `defaults`), `channel::package` specs, and the `pip:` list read as requirements-file lines (options included, `-r` relative to the YAML)"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        matches!(candidate.extension(), Some("yml" | "yaml"))
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        parse(file, context)
    }
}

pub fn parse(file: &SourceFile, context: &ParseContext) -> Manifest {
    parse_loaded(file, context, MarkedYamlOwned::load_from_str(&file.text))
}

/// The conda reading of an already-parsed YAML file (the Azure ML asset reader parses every
/// YAML file once and hands what is not an asset over).
/// Whether a YAML file is named like a conda environment (`environment.yml`,
/// `conda.yaml`, `conda_env.yml`, `env.yml`, …): for those a syntax error is reported,
/// for other YAML it is not (most YAML in a repository is not a dependency file).
pub(crate) fn named_like_conda(path: &str) -> bool {
    let name = file_name(Path::new(path));
    let stem = name.rsplit_once('.').map_or(&*name, |(stem, _)| stem);
    stem.starts_with("conda")
        || stem.starts_with("environment")
        || stem == "env"
        || ["conda_env", "conda-env", "conda_dependencies"]
            .iter()
            .any(|word| stem.contains(word))
}

pub(crate) fn parse_loaded(
    file: &SourceFile,
    context: &ParseContext,
    loaded: Result<Vec<MarkedYamlOwned>, saphyr::ScanError>,
) -> Manifest {
    let mut manifest = Manifest::new(&file.path, NAME, Installer::Pip, Role::Install);
    let named_like_conda = named_like_conda(&file.path);
    let documents = match loaded {
        Ok(documents) => documents,
        Err(error) => {
            if named_like_conda {
                manifest.diagnostics.push(yaml_error(file, &error));
            }
            return manifest;
        }
    };
    let Some(YamlDataOwned::Mapping(root)) = documents.first().map(|document| &document.data)
    else {
        return manifest;
    };
    let keys: Vec<&str> = root.keys().filter_map(key_text).collect();
    if keys.iter().any(|key| FOREIGN_KEYS.contains(key)) {
        return manifest;
    }
    read_environment(file, root, None, context, &mut manifest);
    manifest
}

/// Reads a conda environment mapping (a whole file, or an Azure ML `conda_file:` written
/// inline) into `manifest`. `anchor` is where implicit `defaults` is reported when the
/// mapping has no `channels:` (the `dependencies:` key otherwise).
pub(crate) fn read_environment(
    file: &SourceFile,
    root: &saphyr::AnnotatedMappingOwned<MarkedYamlOwned>,
    anchor: Option<Location>,
    context: &ParseContext,
    manifest: &mut Manifest,
) {
    let Some((dependencies_key, dependencies)) = entry(root, "dependencies") else {
        return;
    };
    let YamlDataOwned::Sequence(dependencies) = &dependencies.data else {
        return;
    };
    let anchor = anchor.unwrap_or_else(|| location(file, dependencies_key));

    // Channels as written, with where each was written.
    let mut channels: Vec<(String, Location)> = Vec::new();
    match entry(root, "channels") {
        Some((_, value)) => match &value.data {
            YamlDataOwned::Sequence(items) => {
                for item in items {
                    if let Some(text) = scalar_text(item) {
                        channels.push((text, location(file, item)));
                    }
                }
            }
            YamlDataOwned::Value(ScalarOwned::Null) => {}
            _ => {
                manifest.diagnostics.push(Diagnostic::at(
                    Code::UnexpectedValue,
                    file,
                    location(file, value),
                    "`channels` should be a list of channel names or URLs",
                ));
                // Read a single name as a one-item list: the host is still clear.
                if let Some(text) = scalar_text(value) {
                    channels.push((text, location(file, value)));
                }
            }
        },
        None => channels.push(("defaults".to_string(), anchor)),
    }
    let explicit_channels = usize::from(entry(root, "channels").is_some());
    // Channels added by `channel::package` specs are explicit even without `channels:`.
    let mut pinned: Vec<(u32, u32)> = Vec::new();

    let mut has_conda_package = false;
    let mut embedded = Embedded::default();
    for dependency in dependencies {
        if let YamlDataOwned::Mapping(map) = &dependency.data {
            if let Some((_, pip)) = entry(map, "pip")
                && let YamlDataOwned::Sequence(lines) = &pip.data
            {
                for line in lines {
                    if let Some(text) = scalar_text(line) {
                        let at = location(file, line);
                        embedded.push(&text, at.line as usize, at.column as usize);
                    }
                }
            }
            continue;
        }
        let Some(spec) = scalar_text(dependency) else {
            continue;
        };
        has_conda_package = true;
        let name = spec
            .rsplit_once("::")
            .map_or(spec.as_str(), |(_, name)| name);
        if let Some(name) = crate::formats::leading_package_name(name) {
            manifest.use_package(name, &location(file, dependency));
        }
        // `channel::package` pins a package to a channel.
        if let Some((channel, _)) = spec.split_once("::") {
            let at = location(file, dependency);
            pinned.push(at_key(&at));
            channels.push((channel.trim().to_string(), at));
        }
    }

    if has_conda_package {
        let implicit = explicit_channels == 0;
        for (channel, at) in channels {
            let implicit = implicit && !pinned.contains(&at_key(&at));
            manifest.conda_channels.push(crate::model::CondaChannel {
                name: channel,
                at,
                implicit,
            });
        }
    }
    if !embedded.is_empty() {
        let pip = embedded.parse(file, context);
        manifest.options.index_url = pip.options.index_url.or(manifest.options.index_url.take());
        manifest
            .options
            .extra_index_urls
            .extend(pip.options.extra_index_urls);
        manifest.options.find_links.extend(pip.options.find_links);
        manifest.options.no_index = pip.options.no_index.or(manifest.options.no_index.take());
        if manifest.needs_index.is_none() {
            manifest.needs_index = pip.needs_index;
        }
        manifest.includes.extend(pip.includes);
        manifest.direct.extend(pip.direct);
        for (name, at) in pip.packages {
            manifest.packages.entry(name).or_insert(at);
        }
        manifest.diagnostics.extend(pip.diagnostics);
    }
}

fn at_key(at: &Location) -> (u32, u32) {
    (at.line, at.column)
}

/// The URLs a channel resolves to under a `.condarc`'s settings.
pub(crate) fn channel_urls_with(
    channel: &str,
    no_defaults: bool,
    config: Option<&crate::model::CondaConfig>,
) -> Vec<String> {
    let channel = channel.trim().trim_end_matches('/');
    if let Some(config) = config {
        if channel == "defaults" && !no_defaults && !config.default_channels.is_empty() {
            return config
                .default_channels
                .iter()
                .flat_map(|(name, _)| channel_urls_with(name, false, None))
                .collect();
        }
        if let Some((_, base, _)) = config
            .custom_channels
            .iter()
            .find(|(name, _, _)| name == channel)
        {
            return vec![format!("{}/{channel}", base.trim_end_matches('/'))];
        }
        if let Some((alias, _)) = &config.channel_alias
            && channel != "defaults"
            && channel != "nodefaults"
            && !crate::remote::has_scheme(channel)
            && !channel.starts_with('/')
        {
            return vec![format!("{}/{channel}", alias.trim_end_matches('/'))];
        }
    }
    channel_urls_builtin(channel, no_defaults)
}

fn channel_urls_builtin(channel: &str, no_defaults: bool) -> Vec<String> {
    let channel = channel.trim().trim_end_matches('/');
    if channel == "nodefaults"
        || channel.is_empty()
        || channel.starts_with("file:")
        || channel.starts_with('/')
    {
        return Vec::new();
    }
    if channel == "defaults" {
        return if no_defaults {
            Vec::new()
        } else {
            DEFAULT_CHANNELS
                .iter()
                .map(|url| (*url).to_string())
                .collect()
        };
    }
    if crate::remote::has_scheme(channel) {
        return vec![channel.to_string()];
    }
    vec![format!("{CHANNEL_ALIAS}/{channel}")]
}

/// A YAML syntax error as every YAML reader reports it, at saphyr's marker.
pub(crate) fn yaml_error(file: &SourceFile, error: &saphyr::ScanError) -> Diagnostic {
    Diagnostic::at(
        Code::SyntaxError,
        file,
        file.line_location(error.marker().line().max(1), error.marker().col() + 1),
        format!("not valid YAML: {}", error.info()),
    )
}

/// The first syntax error of a YAML text, found by the event parser alone: no tree is
/// built, which is most of what loading costs.
pub(crate) fn first_yaml_error(text: &str) -> Option<saphyr::ScanError> {
    saphyr_parser::Parser::new_from_str(text).find_map(Result::err)
}

pub(crate) fn location(file: &SourceFile, node: &MarkedYamlOwned) -> Location {
    file.line_location(node.span.start.line().max(1), node.span.start.col() + 1)
}

pub(crate) fn entry<'m>(
    map: &'m saphyr::AnnotatedMappingOwned<MarkedYamlOwned>,
    key: &str,
) -> Option<(&'m MarkedYamlOwned, &'m MarkedYamlOwned)> {
    map.iter()
        .find(|(candidate, _)| key_text(candidate) == Some(key))
}

pub(crate) fn key_text(key: &MarkedYamlOwned) -> Option<&str> {
    match &key.data {
        YamlDataOwned::Value(ScalarOwned::String(text)) => Some(text),
        _ => None,
    }
}

/// A scalar as text (`python=3.8` and `- 3.8` alike).
pub(crate) fn scalar_text(node: &MarkedYamlOwned) -> Option<String> {
    match &node.data {
        YamlDataOwned::Value(ScalarOwned::String(text)) => Some(text.clone()),
        YamlDataOwned::Value(ScalarOwned::Integer(number)) => Some(number.to_string()),
        YamlDataOwned::Value(ScalarOwned::FloatingPoint(number)) => Some(number.to_string()),
        YamlDataOwned::Tagged(_, inner) => scalar_text(inner),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel_urls(channel: &str, no_defaults: bool) -> Vec<String> {
        channel_urls_with(channel, no_defaults, None)
    }

    #[test]
    fn channels_resolve_like_conda() {
        assert_eq!(
            channel_urls("conda-forge", false),
            ["https://conda.anaconda.org/conda-forge"]
        );
        assert_eq!(
            channel_urls("nvidia/label/cuda-11.8.0", false),
            ["https://conda.anaconda.org/nvidia/label/cuda-11.8.0"]
        );
        assert_eq!(channel_urls("defaults", false).len(), 2);
        assert!(channel_urls("defaults", true).is_empty());
        assert!(channel_urls("nodefaults", false).is_empty());
        assert_eq!(
            channel_urls("https://repo.example.com/conda/main/", false),
            ["https://repo.example.com/conda/main"]
        );
        assert!(channel_urls("file:///opt/channel", false).is_empty());
    }

    #[test]
    fn only_conda_environments_count() {
        let workflow = SourceFile::new(
            "ci.yml",
            "on: push\njobs:\n  a:\n    steps: []\ndependencies: [x]\n",
        );
        let manifest = parse(&workflow, &ParseContext::default());
        assert!(manifest.direct.is_empty() && manifest.diagnostics.is_empty());
        let broken = SourceFile::new("values.yaml", "a: [\n");
        assert!(
            parse(&broken, &ParseContext::default())
                .diagnostics
                .is_empty()
        );
        let broken = SourceFile::new("conda.yaml", "a: [\n");
        assert_eq!(
            parse(&broken, &ParseContext::default()).diagnostics.len(),
            1
        );
    }
}
