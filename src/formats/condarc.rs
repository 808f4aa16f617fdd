//! `.condarc` (and `condarc`, `.mambarc`) files in the repository: `channels`,
//! `channel_alias`, `default_channels` and `custom_channels` change where conda looks for
//! packages, for the conda environments in the directory tree the file sits in (the
//! nearest one wins). Resolution happens in `resolve`, which knows which file governs
//! which environment; this module only reads the settings.

use saphyr::{LoadableYamlNode, MarkedYamlOwned, YamlDataOwned};

use crate::formats::conda_environment::{entry, key_text, location, scalar_text, yaml_error};
use crate::formats::{Candidate, ParseContext, expand_variables};
use crate::model::{CondaConfig, Installer, Manifest, Role};
use crate::source::SourceFile;

pub struct Condarc;

pub const NAME: &str = "conda/condarc";

impl super::Format for Condarc {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "conda configuration"
    }

    fn files(&self) -> &'static str {
        "`.condarc`, `condarc`, `.mambarc`"
    }

    fn reads(&self) -> &'static str {
        "`channels` (used by environments that list none), `channel_alias` (where channel names live), `default_channels` (what `defaults` means), `custom_channels`; applies to the conda environments in its directory tree (nearest wins); with `--env`, `CONDA_CHANNELS`, `CONDA_CHANNEL_ALIAS` and `CONDA_DEFAULT_CHANNELS` override it"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        matches!(candidate.lower_name(), ".condarc" | "condarc" | ".mambarc")
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Pip, Role::Config);
        let documents = match MarkedYamlOwned::load_from_str(&file.text) {
            Ok(documents) => documents,
            Err(error) => {
                manifest.diagnostics.push(yaml_error(file, &error));
                return manifest;
            }
        };
        let mut config = CondaConfig::default();
        if let Some(YamlDataOwned::Mapping(root)) = documents.first().map(|document| &document.data)
        {
            let list = |key: &str| -> Vec<(String, crate::source::Location)> {
                match entry(root, key).map(|(_, value)| &value.data) {
                    Some(YamlDataOwned::Sequence(items)) => items
                        .iter()
                        .filter_map(|item| {
                            Some((
                                expand_variables(&scalar_text(item)?, context),
                                location(file, item),
                            ))
                        })
                        .collect(),
                    _ => Vec::new(),
                }
            };
            config.channels = list("channels");
            config.default_channels = list("default_channels");
            if let Some((_, value)) = entry(root, "channel_alias")
                && let Some(alias) = scalar_text(value)
            {
                config.channel_alias =
                    Some((expand_variables(&alias, context), location(file, value)));
            }
            if let Some((_, value)) = entry(root, "custom_channels")
                && let YamlDataOwned::Mapping(map) = &value.data
            {
                for (name, url) in map {
                    if let (Some(name), Some(base)) = (key_text(name), scalar_text(url)) {
                        config.custom_channels.push((
                            name.to_string(),
                            expand_variables(&base, context),
                            location(file, url),
                        ));
                    }
                }
            }
        }
        manifest.conda_config = Some(config);
        manifest
    }
}
