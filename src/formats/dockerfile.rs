//! Dockerfiles (`Dockerfile`, `Containerfile`, `*.dockerfile`, `Dockerfile.*`), as the
//! image build that Azure ML runs on a compute — in approved-only mode, the build needs
//! every host below:
//! - `FROM image` pulls from the image's registry (and the hosts it serves layers from);
//!   `FROM stage` and `scratch` pull nothing; `ARG` defaults are substituted;
//! - `RUN pip install …` (also `pip3`, `python -m pip`, `uv pip`) is read as pip's command
//!   line (indexes, requirements, VCS URLs, `-r` relative to the Dockerfile's directory,
//!   the usual build context);
//! - `RUN conda|mamba|micromamba install` needs its channels, `RUN apt-get install` the
//!   base image's archive, `RUN npm install` the npm registry, `RUN curl|wget URL` and
//!   `RUN git clone URL` their hosts — read by the shared shell reader (`formats::shell`);
//! - `ADD URL` downloads from its host.
//!
//! Lines are joined at `\\`, comments removed, instructions matched case-insensitively,
//! shell commands split at `&&`, `||`, `;` and `|`. Nothing is ever built or run.

use std::collections::BTreeMap;

use crate::container::{NoRegistry, registry_url};
use crate::diagnostic::{Code, Diagnostic};
use crate::formats::embedded_requirements::Embedded;
use crate::formats::shell;
use crate::formats::{Candidate, ParseContext, push_direct, push_direct_in};
use crate::model::{Ecosystem, Installer, Kind, Manifest, Role};
use crate::source::SourceFile;

pub struct Dockerfile;

pub const NAME: &str = "container/dockerfile";

impl super::Format for Dockerfile {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Dockerfiles"
    }

    fn files(&self) -> &'static str {
        r"`Dockerfile`, `Containerfile`, `*.dockerfile`, `Dockerfile.*`"
    }

    fn reads(&self) -> &'static str {
        "`FROM` and `COPY --from=IMAGE` (registry of the image, `ARG` defaults substituted; build stages and `scratch` pull nothing), `RUN pip install …` read as pip's command line, `RUN conda install` (`-c` channels, `channel::pkg`, the configured channels unless `--override-channels`), `RUN apt-get install` / `apk add` (the base image's package archive: Debian and Ubuntu over plain HTTP on port 80, Alpine), `RUN npm/yarn/pnpm install` (the npm registry or `--registry`), `RUN curl/wget URL`, `RUN git clone URL`, `ADD URL`"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        let name = candidate.lower_name();
        name == "dockerfile"
            || name == "containerfile"
            || name.ends_with(".dockerfile")
            || name.starts_with("dockerfile.")
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        parse(file, context)
    }
}

pub fn parse(file: &SourceFile, context: &ParseContext) -> Manifest {
    let mut manifest = Manifest::new(&file.path, NAME, Installer::Pip, Role::Install);
    let mut arguments: BTreeMap<String, String> = BTreeMap::new();
    let mut stages: Vec<String> = Vec::new();
    // The distribution of the current stage's base image, for apt and apk.
    let mut os: Option<shell::Os> = None;
    let mut embedded = Embedded::default();
    for Instruction { text, segments } in instructions(&file.text) {
        let place = shell::Place {
            text: &text,
            segments: &segments,
        };
        let (instruction, untrimmed) = text
            .split_once(char::is_whitespace)
            .unwrap_or((text.as_str(), ""));
        let rest = untrimmed.trim();
        // Where `rest` starts in the instruction, for positions within it.
        let rest_offset =
            text.len() - untrimmed.len() + (untrimmed.len() - untrimmed.trim_start().len());
        let at = |needle: &str| place.locate(file, rest_offset + rest.find(needle).unwrap_or(0));
        match instruction.to_ascii_uppercase().as_str() {
            // `ENV HF_HUB_OFFLINE=1`, `ENV HF_ENDPOINT https://mirror`: settings that move
            // or stop run-time downloads in the image.
            "ENV" => {
                for (name, value) in env_pairs(rest) {
                    manifest.runtime.push(crate::model::RuntimeUse::Setting {
                        value: substitute(&value, &arguments),
                        at: at(&name),
                        name,
                    });
                }
            }
            "ARG" => {
                if let Some((name, value)) = rest.split_once('=') {
                    arguments.insert(
                        name.trim().to_string(),
                        value.trim().trim_matches('"').to_string(),
                    );
                }
            }
            "FROM" => {
                let words: Vec<&str> = rest
                    .split_whitespace()
                    .filter(|word| !word.starts_with("--"))
                    .collect();
                let Some(image) = words.first() else {
                    continue;
                };
                if let (Some(keyword), Some(name)) = (words.get(1), words.get(2))
                    && keyword.eq_ignore_ascii_case("as")
                {
                    stages.push(name.to_ascii_lowercase());
                }
                let reference = substitute(image, &arguments);
                if stages
                    .iter()
                    .any(|stage| *stage == reference.to_ascii_lowercase())
                {
                    continue;
                }
                os = shell::os_of(&reference);
                match registry_url(&reference) {
                    Ok(url) => push_direct(&mut manifest, Kind::Registry, &url, file, &at(image)),
                    Err(NoRegistry::Unresolved(text)) => manifest.diagnostics.push(
                        Diagnostic::at(
                            Code::UnresolvedVariable,
                            file,
                            at(image),
                            format!("the base image `{text}` uses a build argument without a default, so its registry is unknown"),
                        )
                        .with_help("give the ARG a default, or write the registry host"),
                    ),
                    Err(NoRegistry::NotPulled | NoRegistry::Invalid) => {}
                }
            }
            "ADD" => {
                for word in rest.split_whitespace().filter(|word| word.contains("://")) {
                    let url = substitute(word, &arguments);
                    push_direct_in(
                        &mut manifest,
                        Ecosystem::Container,
                        Kind::Archive,
                        &url,
                        file,
                        &at(word),
                    );
                }
            }
            "RUN" => {
                let body = substitute(rest, &arguments);
                // ARG substitution may shift what follows it; positions stay on the
                // right line in all but contrived cases.
                for (offset, command) in shell::split_commands(&body) {
                    shell::command(
                        &mut manifest,
                        &mut embedded,
                        file,
                        place,
                        (rest_offset + offset, command),
                        shell::Context {
                            os,
                            downloads: Ecosystem::Container,
                            fetch_urls: true,
                        },
                    );
                }
            }
            "COPY" => {
                // `COPY --from=IMAGE` pulls IMAGE unless it names an earlier stage.
                for word in rest.split_whitespace() {
                    if let Some(source) = word.strip_prefix("--from=") {
                        let reference = substitute(source, &arguments);
                        let is_stage = stages
                            .iter()
                            .any(|stage| *stage == reference.to_ascii_lowercase())
                            || reference.bytes().all(|b| b.is_ascii_digit());
                        if !is_stage && let Ok(url) = registry_url(&reference) {
                            push_direct(&mut manifest, Kind::Registry, &url, file, &at(source));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if !embedded.is_empty() {
        let pip = embedded.parse(file, context);
        manifest.options = pip.options;
        manifest.needs_index = pip.needs_index;
        manifest.includes = pip.includes;
        manifest.direct.extend(pip.direct);
        manifest.packages = pip.packages;
        manifest.diagnostics.extend(pip.diagnostics);
    }
    manifest
}

/// The pairs of an `ENV` instruction: `NAME=VALUE …` (values may be quoted) or the
/// legacy `NAME VALUE` form.
fn env_pairs(rest: &str) -> Vec<(String, String)> {
    let words = crate::formats::requirements_txt::shell_split(rest);
    if words.first().is_some_and(|word| word.contains('=')) {
        words
            .iter()
            .filter_map(|word| word.split_once('='))
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    } else {
        match rest.split_once(char::is_whitespace) {
            Some((name, value)) => vec![(
                name.to_string(),
                value.trim().trim_matches(['"', '\'']).to_string(),
            )],
            None => Vec::new(),
        }
    }
}

/// A logical instruction: continuation lines joined, with where each physical line's
/// part starts (see [`shell::Place`]).
struct Instruction {
    text: String,
    segments: Vec<(usize, usize, usize)>,
}

/// Logical instructions, continuations joined, comment lines dropped.
fn instructions(text: &str) -> Vec<Instruction> {
    let mut result = Vec::new();
    let mut pending: Option<Instruction> = None;
    for (index, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        if trimmed.is_empty() && pending.is_none() {
            continue;
        }
        let mut current = pending.take().unwrap_or(Instruction {
            text: String::new(),
            segments: Vec::new(),
        });
        let indent = raw[..raw.len() - raw.trim_start().len()].chars().count();
        current
            .segments
            .push((current.text.len(), index + 1, indent + 1));
        if let Some(head) = trimmed.strip_suffix('\\') {
            current.text.push_str(head);
            current.text.push(' ');
            pending = Some(current);
        } else {
            current.text.push_str(trimmed);
            result.push(current);
        }
    }
    result.extend(pending);
    result
}

/// Replaces `$NAME` and `${NAME}` with `ARG` defaults; unknown ones stay as written.
fn substitute(text: &str, arguments: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let (name, consumed) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match arguments.get(name) {
            Some(value) if !name.is_empty() => {
                out.push_str(value);
                rest = &after[consumed..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_substitute() {
        let arguments = BTreeMap::from([("BASE".to_string(), "python:3.11".to_string())]);
        assert_eq!(substitute("${BASE}", &arguments), "python:3.11");
        assert_eq!(
            substitute("$BASE-slim $OTHER", &arguments),
            "python:3.11-slim $OTHER"
        );
    }

    #[test]
    fn locations_point_into_the_file() {
        let file = SourceFile::new(
            "Dockerfile",
            "FROM python:3.11\nRUN pip install \\\n    numpy\n",
        );
        let manifest = parse(&file, &ParseContext::default());
        assert_eq!(manifest.direct[0].at.to_string(), "Dockerfile:1:6");
        // The requirement that needs the index is on the continuation line.
        assert_eq!(manifest.needs_index.unwrap().to_string(), "Dockerfile:3:5");
    }
}
