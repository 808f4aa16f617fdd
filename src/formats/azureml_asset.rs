//! Azure ML asset YAML: environments (`image:`, `conda_file:`, `build:`), and the jobs,
//! components and deployments that carry an `environment:` — inline (an image and a conda
//! file) or a reference to a registered environment (`azureml:name:version`,
//! `azureml:name@latest`), which is reported because its image and packages live in the
//! workspace and cannot be read offline. Nested pipeline jobs are walked too.
//!
//! What counts: `image:` is pulled from its registry (see [`crate::container`]); an
//! inline `conda_file:` mapping is read as a conda environment; a `conda_file:` path and a
//! `build: path:` context are files in the tree, read by their own formats. The `$schema`
//! URL is documentation, never a source.
//!
//! YAML that is not an Azure ML asset is handed to the conda-environment reader, so one
//! parse of each YAML file serves both.

use saphyr::{LoadableYamlNode, MarkedYamlOwned, YamlDataOwned};

use crate::container::{NoRegistry, registry_url};
use crate::diagnostic::{Code, Diagnostic};
use crate::formats::conda_environment::{
    self, entry, key_text, location, read_environment, scalar_text,
};
use crate::formats::{Candidate, ParseContext, push_direct};
use crate::model::{Installer, Kind, Manifest, Role};
use crate::source::SourceFile;

pub struct AzuremlAsset;

pub const NAME: &str = "azureml/asset-yaml";

impl super::Format for AzuremlAsset {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Azure ML assets"
    }

    fn files(&self) -> &'static str {
        r"environment, job, component and deployment YAML (`$schema` naming an Azure ML schema, or the keys of one)"
    }

    fn reads(&self) -> &'static str {
        r"`image:` → its registry and the hosts that registry serves layers from (Docker Hub, MCR, GHCR, NGC, Quay, your own); an inline `conda_file:` read as a conda environment; `environment:` inline or `azureml:` references (reported: defined in the workspace, not readable offline); pipeline jobs walked; `$schema` is documentation, never a source"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        conda_environment::CondaEnvironment.matches(candidate)
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        let loaded = if may_install(file) {
            MarkedYamlOwned::load_from_str(&file.text)
        } else {
            // Compute, data, workspace and pipeline definitions that name nothing that
            // installs are only checked for syntax errors, without building their tree:
            // building it was most of the cost of a tree of Azure ML examples.
            let Some(error) = conda_environment::first_yaml_error(&file.text) else {
                let name = if declares_azureml_schema(file) {
                    NAME
                } else {
                    conda_environment::NAME
                };
                return Manifest::new(&file.path, name, Installer::Pip, Role::Install);
            };
            Err(error)
        };
        let documents = match loaded {
            Ok(documents) => documents,
            Err(error) => {
                // Invalid YAML that declares an Azure ML schema is an Azure ML asset with a
                // syntax error (often a `{{placeholder}}` template); for anything else the
                // conda reader decides whether the name says it matters.
                if !declares_azureml_schema(file) {
                    return conda_environment::parse_loaded(file, context, Err(error));
                }
                let mut manifest = Manifest::new(&file.path, NAME, Installer::Pip, Role::Install);
                manifest
                    .diagnostics
                    .push(conda_environment::yaml_error(file, &error).with_help(
                        "a `{{placeholder}}` template must be rendered before it is valid YAML",
                    ));
                return manifest;
            }
        };
        match documents.first().map(|document| &document.data) {
            Some(YamlDataOwned::Mapping(root)) if is_azureml_asset(root) => {
                return read_asset(file, root, context);
            }
            Some(YamlDataOwned::Mapping(root))
                if entry(root, "metadata").is_some() && entry(root, "package").is_some() =>
            {
                // A conda-lock file: exact URLs.
                let mut manifest = Manifest::new(
                    &file.path,
                    crate::formats::conda_lock::NAME,
                    Installer::Pip,
                    Role::Install,
                );
                if let Some((_, packages)) = entry(root, "package")
                    && let YamlDataOwned::Sequence(packages) = &packages.data
                {
                    crate::formats::conda_lock::read_conda_lock(file, packages, &mut manifest);
                }
                return manifest;
            }
            _ => {}
        }
        conda_environment::parse_loaded(file, context, Ok(documents))
    }
}

/// Whether a YAML file can say anything either reader reports beyond a syntax error:
/// without one of the keys they read (`image`, `conda_file`, `environment`,
/// `environment_variables`, `dependencies`, a conda-lock's `package`) there is nothing to
/// find. A word in a comment or a value only costs a parse.
fn may_install(file: &SourceFile) -> bool {
    [
        "image",
        "conda_file",
        "environment",
        "dependencies",
        "package",
    ]
    .iter()
    .any(|key| file.text.contains(key))
}

/// A `$schema:` line naming an Azure ML schema, read as text: what decides for YAML that
/// does not parse (or need not be parsed).
fn declares_azureml_schema(file: &SourceFile) -> bool {
    file.text
        .lines()
        .any(|line| line.trim_start().starts_with("$schema:") && line.contains("azureml"))
}

/// Whether a top-level mapping is an Azure ML asset rather than a conda environment or
/// another tool's YAML.
fn is_azureml_asset(root: &saphyr::AnnotatedMappingOwned<MarkedYamlOwned>) -> bool {
    if let Some((_, schema)) = entry(root, "$schema")
        && let Some(schema) = scalar_text(schema)
    {
        return schema.contains("azureml");
    }
    let has = |key: &str| entry(root, key).is_some();
    (has("image") && (has("conda_file") || has("build") || has("inference_config")))
        || (has("environment") && (has("command") || has("jobs") || has("code") || has("model")))
}

fn read_asset(
    file: &SourceFile,
    root: &saphyr::AnnotatedMappingOwned<MarkedYamlOwned>,
    context: &ParseContext,
) -> Manifest {
    let mut manifest = Manifest::new(&file.path, NAME, Installer::Pip, Role::Install);
    // An environment asset is itself the environment.
    if entry(root, "image").is_some() || entry(root, "conda_file").is_some() {
        read_environment_mapping(file, root, context, &mut manifest);
    }
    for (key, value) in root {
        if key_text(key) != Some("image") && key_text(key) != Some("conda_file") {
            visit(file, key, value, context, &mut manifest);
        }
    }
    manifest
}

/// Walks a value looking for `environment:` entries (pipeline jobs nest them).
fn visit(
    file: &SourceFile,
    key: &MarkedYamlOwned,
    value: &MarkedYamlOwned,
    context: &ParseContext,
    manifest: &mut Manifest,
) {
    if key_text(key) == Some("environment") {
        match &value.data {
            YamlDataOwned::Mapping(map) => read_environment_mapping(file, map, context, manifest),
            _ => {
                if let Some(text) = scalar_text(value)
                    && text.starts_with("azureml:")
                {
                    manifest.diagnostics.push(
                        Diagnostic::at(
                            Code::RegisteredEnvironment,
                            file,
                            location(file, value),
                            format!("`{text}` is a registered environment: its image and packages are defined in the workspace and cannot be read offline"),
                        )
                        .with_help("scan the environment's definition (its YAML, conda file or Dockerfile), or inline the environment"),
                    );
                }
            }
        }
        return;
    }
    // A job's or deployment's `environment_variables:` can move or stop run-time
    // downloads (`HF_ENDPOINT`, `HF_HUB_OFFLINE`).
    if key_text(key) == Some("environment_variables")
        && let YamlDataOwned::Mapping(variables) = &value.data
    {
        for (name, setting) in variables {
            if let (Some(name), Some(text)) = (key_text(name), scalar_text(setting)) {
                manifest.runtime.push(crate::model::RuntimeUse::Setting {
                    name: name.to_string(),
                    value: text,
                    at: location(file, setting),
                });
            }
        }
        return;
    }
    match &value.data {
        YamlDataOwned::Mapping(map) => {
            for (key, value) in map {
                visit(file, key, value, context, manifest);
            }
        }
        YamlDataOwned::Sequence(items) => {
            for item in items {
                if let YamlDataOwned::Mapping(map) = &item.data {
                    for (key, value) in map {
                        visit(file, key, value, context, manifest);
                    }
                }
            }
        }
        _ => {}
    }
}

/// `image:` and an inline `conda_file:` of an environment mapping.
fn read_environment_mapping(
    file: &SourceFile,
    map: &saphyr::AnnotatedMappingOwned<MarkedYamlOwned>,
    context: &ParseContext,
    manifest: &mut Manifest,
) {
    if let Some((_, image)) = entry(map, "image")
        && let Some(reference) = scalar_text(image)
    {
        let at = location(file, image);
        match registry_url(&reference) {
            Ok(url) => push_direct(manifest, Kind::Registry, &url, file, &at),
            Err(NoRegistry::Unresolved(text)) => manifest.diagnostics.push(
                Diagnostic::at(
                    Code::UnresolvedVariable,
                    file,
                    at,
                    format!("the image `{text}` has a placeholder, so its registry is unknown"),
                )
                .with_help("write the registry host, or render the template before scanning"),
            ),
            Err(NoRegistry::NotPulled) => {}
            Err(NoRegistry::Invalid) => manifest.diagnostics.push(Diagnostic::at(
                Code::InvalidUrl,
                file,
                at,
                format!("`{reference}` is not an image reference"),
            )),
        }
    }
    if let Some((key, conda)) = entry(map, "conda_file")
        && let YamlDataOwned::Mapping(inline) = &conda.data
    {
        read_environment(file, inline, Some(location(file, key)), context, manifest);
    }
    // A `conda_file:` path is a file in the tree, read by its own format.
}
