//! Dockerfiles (`Dockerfile`, `Containerfile`, `*.dockerfile`, `Dockerfile.*`), as the
//! image build that Azure ML runs on a compute — in approved-only mode, the build needs
//! every host below:
//! - `FROM image` pulls from the image's registry (and the hosts it serves layers from);
//!   `FROM stage` and `scratch` pull nothing; `ARG` defaults are substituted;
//! - `RUN pip install …` (also `pip3`, `python -m pip`, `uv pip`) is read as pip's command
//!   line (indexes, requirements, VCS URLs, `-r` relative to the Dockerfile's directory,
//!   the usual build context);
//! - `RUN conda|mamba|micromamba install -c CHANNEL` needs that channel;
//! - `RUN curl|wget URL`, `RUN git clone URL` and `ADD URL` download from their hosts.
//!
//! Lines are joined at `\\`, comments removed, instructions matched case-insensitively,
//! shell commands split at `&&`, `||`, `;` and `|`. Nothing is ever built or run.

use std::collections::BTreeMap;
use std::path::Path;

use crate::container::{NoRegistry, registry_url};
use crate::diagnostic::{Code, Diagnostic};
use crate::formats::embedded_requirements::Embedded;
use crate::formats::jupyter_notebook::requirement_lines;
use crate::formats::requirements_txt::shell_split;
use crate::formats::{ParseContext, column_of, file_name, push_direct, push_direct_in};
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
        "`FROM` and `COPY --from=IMAGE` (registry of the image, `ARG` defaults substituted; build stages and `scratch` pull nothing), `RUN pip install …` read as pip's command line, `RUN conda install -c CHANNEL`, `RUN apt-get install` / `apk add` (the base image's package archive: Debian and Ubuntu over plain HTTP on port 80, Alpine), `RUN curl/wget URL`, `RUN git clone URL`, `ADD URL`"
    }

    fn matches(&self, path: &Path) -> bool {
        let name = file_name(path);
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
    let mut os: Option<Os> = None;
    let mut embedded = Embedded::default();
    for (line, first, text) in instructions(&file.text) {
        let (instruction, rest) = text
            .split_once(char::is_whitespace)
            .unwrap_or((text.as_str(), ""));
        let rest = rest.trim();
        let at = |needle: &str| file.line_location(line, column_of(first, needle));
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
                os = os_of(&reference);
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
                for command in split_commands(&body) {
                    run_command(
                        &mut manifest,
                        &mut embedded,
                        file,
                        line,
                        first,
                        &command,
                        os,
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

/// One shell command of a `RUN`.
fn run_command(
    manifest: &mut Manifest,
    embedded: &mut Embedded,
    file: &SourceFile,
    line: usize,
    first: &str,
    command: &str,
    os: Option<Os>,
) {
    let words = shell_split(command);
    let words: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .skip_while(|word| word.contains('=') && !word.starts_with('-'))
        .collect();
    let at = |needle: &str| file.line_location(line, column_of(first, needle));
    let program = words
        .first()
        .map(|word| word.rsplit('/').next().unwrap_or(word))
        .unwrap_or_default();
    let after = |index: usize| words.get(index..).unwrap_or_default();
    let pip_arguments = match program {
        "pip" | "pip3" => (words.get(1) == Some(&"install")).then(|| after(2)),
        "python" | "python3" => (words.get(1) == Some(&"-m")
            && words.get(2).is_some_and(|m| *m == "pip")
            && words.get(3) == Some(&"install"))
        .then(|| after(4)),
        "uv" => {
            (words.get(1) == Some(&"pip") && words.get(2) == Some(&"install")).then(|| after(3))
        }
        _ => None,
    };
    if let Some(arguments) = pip_arguments {
        let arguments: Vec<String> = arguments.iter().map(|word| (*word).to_string()).collect();
        let column = column_of(first, arguments.first().map_or("", String::as_str));
        for entry in requirement_lines(&arguments) {
            embedded.push(&entry, line, column);
        }
        return;
    }
    match program {
        "conda" | "mamba" | "micromamba"
            if words.get(1) == Some(&"install") || words.get(1) == Some(&"create") =>
        {
            let mut index = 2;
            while index < words.len() {
                let word = words[index];
                let channel = match word {
                    "-c" | "--channel" => {
                        index += 1;
                        words.get(index).copied()
                    }
                    _ => word
                        .strip_prefix("--channel=")
                        .or_else(|| word.strip_prefix("-c").filter(|rest| !rest.is_empty())),
                };
                if let Some(channel) = channel {
                    manifest.conda_channels.push(crate::model::CondaChannel {
                        name: channel.to_string(),
                        at: at(channel),
                        implicit: false,
                    });
                }
                index += 1;
            }
        }
        "apt-get" | "apt" | "apk" if matches!(words.get(1), Some(&"install" | &"add")) => {
            let wanted = if program == "apk" {
                Some(Os::Alpine)
            } else {
                os.filter(|os| *os != Os::Alpine)
            };
            match wanted {
                Some(os) => {
                    for url in os.archives() {
                        push_direct_in(manifest, Ecosystem::Os, Kind::OsPackages, url, file, &at(program));
                    }
                }
                None => manifest.diagnostics.push(
                    Diagnostic::at(
                        Code::UnknownBaseImage,
                        file,
                        at(program),
                        format!("`{program}` installs packages, but the base image's distribution is unknown, so its archive hosts are too"),
                    )
                    .with_help("Debian-based images use the Debian archive and Ubuntu-based ones the Ubuntu archive, on port 80; add them if this image needs them"),
                ),
            }
        }
        "curl" | "wget" => {
            for word in words.iter().filter(|word| word.contains("://")) {
                push_direct_in(
                    manifest,
                    Ecosystem::Container,
                    Kind::Archive,
                    word,
                    file,
                    &at(word),
                );
            }
        }
        "git" if words.get(1) == Some(&"clone") => {
            // The repository is the first URL-like word (options such as `--depth 1` take values).
            if let Some(url) = words
                .iter()
                .skip(2)
                .find(|word| word.contains("://") || (word.contains('@') && word.contains(':')))
            {
                push_direct_in(
                    manifest,
                    Ecosystem::Container,
                    Kind::Vcs,
                    url,
                    file,
                    &at(url),
                );
            }
        }
        _ => {}
    }
}

/// A base image's distribution, which decides its package archive hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Os {
    Debian,
    Ubuntu,
    Alpine,
}

impl Os {
    /// The archive URLs apt or apk uses by default in images of this distribution.
    fn archives(self) -> &'static [&'static str] {
        match self {
            // Reverse-labelled knowledge explains these; written as URLs here because that
            // is how the images' sources lists write them.
            Os::Debian => &[DEBIAN_ARCHIVE],
            Os::Ubuntu => &["http://archive.ubuntu.com/ubuntu"],
            Os::Alpine => &["https://dl-cdn.alpinelinux.org/alpine"],
        }
    }
}

/// Debian's archive, assembled from reversed labels: the repository never writes this
/// registry host forward.
const DEBIAN_ARCHIVE: &str = concat!("http://", "deb", ".", "debian", ".", "org", "/debian");

/// The distribution of an image, from its name: Azure ML's and most vendor images say
/// `ubuntu`; the official language images (`python`, `node`, …) and `*-slim` tags are
/// Debian; `alpine` says so.
fn os_of(reference: &str) -> Option<Os> {
    let lower = reference.to_ascii_lowercase();
    if lower.contains("alpine") {
        return Some(Os::Alpine);
    }
    if lower.contains("ubuntu")
        || lower.contains("jammy")
        || lower.contains("focal")
        || lower.contains("noble")
    {
        return Some(Os::Ubuntu);
    }
    let repository = lower.split(['@', ':']).next().unwrap_or(&lower);
    let name = repository.rsplit('/').next().unwrap_or(repository);
    let official_debian = [
        "python",
        "node",
        "golang",
        "rust",
        "ruby",
        "openjdk",
        "perl",
        "php",
        "r-base",
        "debian",
        "buildpack-deps",
    ];
    if official_debian.contains(&name)
        || ["bookworm", "bullseye", "buster", "trixie", "slim"]
            .iter()
            .any(|tag| lower.contains(tag))
    {
        return Some(Os::Debian);
    }
    None
}

/// Logical instructions: (first line, first physical line, text), continuations joined,
/// comment lines dropped.
fn instructions(text: &str) -> Vec<(usize, &str, String)> {
    let mut result = Vec::new();
    let mut pending: Option<(usize, &str, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        if trimmed.is_empty() && pending.is_none() {
            continue;
        }
        let (number, first, mut joined) = pending.take().unwrap_or((index + 1, raw, String::new()));
        if let Some(head) = trimmed.strip_suffix('\\') {
            joined.push_str(head);
            joined.push(' ');
            pending = Some((number, first, joined));
        } else {
            joined.push_str(trimmed);
            result.push((number, first, joined));
        }
    }
    result.extend(pending);
    result
}

/// Splits a shell command line at `&&`, `||`, `;` and `|` (outside quotes).
fn split_commands(body: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(open), c) => {
                if c == open {
                    quote = None;
                }
                current.push(c);
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                current.push(c);
            }
            (None, ';') => commands.push(std::mem::take(&mut current)),
            (None, '&' | '|') => {
                if chars.peek() == Some(&c) {
                    chars.next();
                }
                commands.push(std::mem::take(&mut current));
            }
            (None, c) => current.push(c),
        }
    }
    commands.push(current);
    commands
        .into_iter()
        .map(|command| command.trim().to_string())
        .filter(|command| !command.is_empty())
        .collect()
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
    fn commands_split_outside_quotes() {
        assert_eq!(
            split_commands("a && b || c; d | e 'x && y'"),
            ["a", "b", "c", "d", "e 'x && y'"]
        );
    }

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
        assert_eq!(manifest.needs_index.unwrap().line, 2);
    }
}
