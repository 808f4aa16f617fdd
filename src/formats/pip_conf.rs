//! pip configuration files in the repository: `pip.conf` (and `pip.ini`). Their
//! `index-url` (replaces the default index), `extra-index-url`, `find-links` and
//! `no-index` apply to every pip install scope in the directory tree the file sits in.
//! pip reads the `[global]` section and the section of its subcommand; `[install]`
//! and `[download]`/`[wheel]` are the ones that install packages.

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::{Candidate, ParseContext, declared, expand_variables, ini, warn_plain_http};
use crate::model::{Installer, Manifest, Role};
use crate::source::SourceFile;

pub struct PipConf;

pub const NAME: &str = "python/pip-conf";

/// Sections whose options affect `pip install`.
const SECTIONS: [&str; 4] = ["global", "install", "download", "wheel"];

impl super::Format for PipConf {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "pip configuration"
    }

    fn files(&self) -> &'static str {
        r"`pip.conf`, `pip.ini`"
    }

    fn reads(&self) -> &'static str {
        r"`index-url`, `extra-index-url`, `find-links`, `no-index` in `[global]`/`[install]`; applies to the directory tree it sits in (nearest wins)"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        matches!(candidate.lower_name(), "pip.conf" | "pip.ini")
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Pip, Role::Config);
        let (entries, malformed) = ini::parse(&file.text);
        for bad in malformed {
            manifest.diagnostics.push(Diagnostic::at(
                Code::SyntaxError,
                file,
                file.line_location(bad.line, 1),
                "not a `key = value` line, a `[section]` or a comment",
            ));
        }
        for entry in entries
            .iter()
            .filter(|entry| SECTIONS.contains(&entry.section.as_str()))
        {
            // Multi-line and whitespace-separated values are both lists in pip.
            let values: Vec<(usize, usize, String)> = entry
                .values
                .iter()
                .flat_map(|(line, column, text)| {
                    text.split_whitespace()
                        .map(move |word| (*line, *column, word.to_string()))
                })
                .collect();
            match entry.key.as_str() {
                "index-url" | "i" => {
                    if let Some((line, column, value)) = values.last() {
                        let at = file.line_location(*line, *column);
                        let value = expand_variables(value, context);
                        let declared = declared(&value, file, &at, &mut manifest.diagnostics);
                        warn_plain_http(&mut manifest, &declared, file);
                        manifest.options.index_url = Some(declared);
                    }
                }
                "extra-index-url" | "find-links" | "f" => {
                    for (line, column, value) in &values {
                        let at = file.line_location(*line, *column);
                        let value = expand_variables(value, context);
                        if entry.key.starts_with('f') && !crate::remote::has_scheme(&value) {
                            continue;
                        }
                        let declared = declared(&value, file, &at, &mut manifest.diagnostics);
                        warn_plain_http(&mut manifest, &declared, file);
                        if entry.key == "extra-index-url" {
                            manifest.options.extra_index_urls.push(declared);
                        } else if declared.remote.is_some() {
                            manifest.options.find_links.push(declared);
                        }
                    }
                }
                "no-index" => {
                    let truthy = values.first().is_none_or(|(_, _, value)| {
                        matches!(
                            value.to_ascii_lowercase().as_str(),
                            "1" | "true" | "yes" | "on"
                        )
                    });
                    if truthy {
                        manifest.options.no_index = Some(file.line_location(entry.line, 1));
                    }
                }
                _ => {}
            }
        }
        manifest
    }
}
