//! Shell commands that install or download, wherever they are written: `RUN` lines of a
//! Dockerfile and `!`/`%` lines of a notebook. One reader keeps both formats in step:
//! - `pip install …` (also `pip3`, `python -m pip`, `{sys.executable} -m pip`, `uv pip`) is
//!   read as pip's command line through the requirements parser;
//! - `conda|mamba|micromamba install|create` needs its `-c` channels, its
//!   `channel::package` specs' channels, and the configured channels (`defaults` unless a
//!   `.condarc` says otherwise) when no `--override-channels` is given;
//! - `apt-get|apt install` and `apk add` need the distribution's package archive;
//! - `npm install|ci`, `yarn add|install`, `pnpm add|install` need the npm registry (or
//!   their `--registry`);
//! - `curl|wget URL` and `git clone URL` download from their hosts.
//!
//! A command line is split at `&&`, `||`, `;` and `|` outside quotes; `sudo` and leading
//! `VAR=value` assignments are skipped. Nothing is ever run.

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::embedded_requirements::Embedded;
use crate::formats::jupyter_notebook::requirement_lines;
use crate::formats::push_direct_in;
use crate::formats::requirements_txt::shell_split;
use crate::model::{CondaChannel, Ecosystem, Kind, Manifest};
use crate::source::{Location, SourceFile};

/// A distribution, which decides the package archive hosts of apt and apk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Os {
    Debian,
    Ubuntu,
    Alpine,
}

impl Os {
    /// The archive URLs apt or apk uses by default on this distribution.
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

/// The npm registry, assembled for the same reason.
const NPM_REGISTRY: &str = concat!("https://", "registry", ".", "npmjs", ".", "org/");

/// The distribution of an image, from its name: Azure ML's and most vendor images say
/// `ubuntu`; the official language images (`python`, `node`, …) and `*-slim` tags are
/// Debian; `alpine` says so.
pub(crate) fn os_of(reference: &str) -> Option<Os> {
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

/// Where a logical line was written: its text (continuation lines joined) and where each
/// physical line's part of it starts — `(byte offset in text, line, column in the file)`
/// — so that evidence points at the physical line a word is on, not the first line of
/// the logical one.
#[derive(Clone, Copy)]
pub(crate) struct Place<'a> {
    pub text: &'a str,
    pub segments: &'a [(usize, usize, usize)],
}

impl Place<'_> {
    /// The file location of a byte offset of the logical line.
    pub(crate) fn locate(&self, file: &SourceFile, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let segment = self
            .segments
            .iter()
            .rev()
            .find(|(start, _, _)| *start <= offset)
            .or_else(|| self.segments.first());
        match segment {
            Some(&(start, line, column)) => {
                let within = self
                    .text
                    .get(start..offset)
                    .map_or(0, |part| part.chars().count());
                file.line_location(line, column + within)
            }
            None => file.line_location(1, 1),
        }
    }
}

/// What a command may need beyond its words.
#[derive(Clone, Copy)]
pub(crate) struct Context {
    /// The distribution apt installs from, when known.
    pub os: Option<Os>,
    /// The ecosystem that plain downloads (`curl`, `git clone`) are reported under.
    pub downloads: Ecosystem,
    /// Whether `curl`/`wget` URLs are read here (a notebook reports them as run-time
    /// downloads instead).
    pub fetch_urls: bool,
}

/// Reads one shell command (already split from its neighbours), which starts at byte
/// `offset` of `place`'s text.
pub(crate) fn command(
    manifest: &mut Manifest,
    embedded: &mut Embedded,
    file: &SourceFile,
    place: Place<'_>,
    (offset, command): (usize, &str),
    context: Context,
) {
    let words = shell_split(command);
    let words: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .skip_while(|word| {
            (word.contains('=') && !word.starts_with('-')) || *word == "sudo" || *word == "-E"
        })
        .collect();
    let at = |needle: &str| place.locate(file, offset + command.find(needle).unwrap_or(0));
    let program = words
        .first()
        .map(|word| word.rsplit('/').next().unwrap_or(word))
        .unwrap_or_default();
    let after = |index: usize| words.get(index..).unwrap_or_default();
    let pip_arguments = if words.get(1) == Some(&"-m")
        && words.get(2) == Some(&"pip")
        && words.get(3) == Some(&"install")
    {
        // `python -m pip`, `python3.11 -m pip`, `{sys.executable} -m pip`.
        Some(after(4))
    } else {
        match program {
            "pip" | "pip3" => (words.get(1) == Some(&"install")).then(|| after(2)),
            "uv" => {
                (words.get(1) == Some(&"pip") && words.get(2) == Some(&"install")).then(|| after(3))
            }
            _ => None,
        }
    };
    if let Some(arguments) = pip_arguments {
        let arguments: Vec<String> = arguments.iter().map(|word| (*word).to_string()).collect();
        let start = at(arguments.first().map_or("", String::as_str));
        for entry in requirement_lines(&arguments) {
            embedded.push(&entry, start.line as usize, start.column as usize);
        }
        return;
    }
    match program {
        "conda" | "mamba" | "micromamba"
            if matches!(words.get(1), Some(&"install" | &"create" | &"update")) =>
        {
            conda(manifest, &words, &at);
        }
        "apt-get" | "apt" | "apk" if matches!(words.get(1), Some(&"install" | &"add")) => {
            let wanted = if program == "apk" {
                Some(Os::Alpine)
            } else {
                context.os.filter(|os| *os != Os::Alpine)
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
        "npm" | "yarn" | "pnpm"
            if matches!(words.get(1), Some(&"install" | &"i" | &"ci" | &"add"))
                || (program == "yarn" && words.len() == 1) =>
        {
            let registry = words.iter().enumerate().find_map(|(index, word)| {
                word.strip_prefix("--registry=").or_else(|| {
                    (*word == "--registry")
                        .then(|| words.get(index + 1).copied())
                        .flatten()
                })
            });
            let (url, where_) = match registry {
                Some(url) => (url, url),
                None => (NPM_REGISTRY, program),
            };
            push_direct_in(
                manifest,
                Ecosystem::Npm,
                Kind::Index,
                url,
                file,
                &at(where_),
            );
        }
        "curl" | "wget" if context.fetch_urls => {
            for word in words.iter().filter(|word| word.contains("://")) {
                push_direct_in(
                    manifest,
                    context.downloads,
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
                push_direct_in(manifest, context.downloads, Kind::Vcs, url, file, &at(url));
            }
        }
        _ => {}
    }
}

/// `conda install`: `-c` channels, `channel::package` specs, and the configured channels
/// unless `--override-channels` says only the `-c` ones count.
fn conda(manifest: &mut Manifest, words: &[&str], at: &dyn Fn(&str) -> Location) {
    let mut explicit = Vec::new();
    let mut override_channels = false;
    let mut index = 2;
    while index < words.len() {
        let word = words[index];
        let channel = match word {
            "-c" | "--channel" => {
                index += 1;
                words.get(index).copied()
            }
            "--override-channels" => {
                override_channels = true;
                None
            }
            // Options whose value is not a package spec.
            "-n" | "--name" | "-p" | "--prefix" | "--file" => {
                index += 1;
                None
            }
            _ if word.starts_with('-') => word
                .strip_prefix("--channel=")
                .or_else(|| word.strip_prefix("-c").filter(|rest| !rest.is_empty())),
            // `conda-forge::numpy` installs from that channel.
            _ => word.split_once("::").map(|(channel, _)| channel),
        };
        if let Some(channel) = channel.filter(|channel| !channel.is_empty()) {
            explicit.push(CondaChannel {
                name: channel.to_string(),
                at: at(channel),
                implicit: false,
            });
        }
        index += 1;
    }
    if !override_channels {
        // conda also searches the configured channels: `defaults` unless a `.condarc` in
        // the repository says otherwise (resolution applies it).
        explicit.push(CondaChannel {
            name: "defaults".to_string(),
            at: at(words.first().copied().unwrap_or_default()),
            implicit: true,
        });
    }
    manifest.conda_channels.extend(explicit);
}

/// Splits a shell command line at `&&`, `||`, `;` and `|` (outside quotes): each
/// command with the byte offset it starts at.
pub(crate) fn split_commands(body: &str) -> Vec<(usize, &str)> {
    let mut commands = Vec::new();
    let mut start = 0;
    let mut quote: Option<u8> = None;
    let bytes = body.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        match (quote, byte) {
            (Some(open), byte) if byte == open => quote = None,
            (None, b'\'' | b'"') => quote = Some(byte),
            (None, b';' | b'&' | b'|') => {
                commands.push((start, &body[start..index]));
                if bytes.get(index + 1) == Some(&byte) && byte != b';' {
                    index += 1;
                }
                start = index + 1;
            }
            // Inside quotes, and every other byte, belongs to the current command.
            _ => {}
        }
        index += 1;
    }
    commands.push((start, &body[start..]));
    commands
        .into_iter()
        .filter_map(|(offset, command)| {
            let trimmed = command.trim_start();
            let trimmed_offset = offset + command.len() - trimmed.len();
            let trimmed = trimmed.trim_end();
            (!trimmed.is_empty()).then_some((trimmed_offset, trimmed))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_outside_quotes() {
        assert_eq!(
            split_commands("a && b || c; d | e 'x && y'"),
            [(0, "a"), (5, "b"), (10, "c"), (13, "d"), (17, "e 'x && y'")]
        );
    }
}
