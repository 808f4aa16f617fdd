//! Input formats: one module per file format, each behind [`Format`] and listed once in
//! [`FORMATS`]. A format looks at a path to say whether it applies (cheap, no I/O) and
//! turns a file's text into a [`Manifest`]. Parsers never fail: what they cannot read
//! becomes a diagnostic and the rest of the file is still used.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Declared, Manifest};
use crate::remote::{self, NoRemote, Remote};
use crate::source::{Location, SourceFile};

pub mod apt_sources;
pub mod azureml_asset;
pub mod cargo_config;
pub mod cargo_lock;
pub mod cargo_toml;
pub mod conda_environment;
pub mod conda_lock;
pub mod condarc;
pub mod dockerfile;
pub mod embedded_requirements;
pub mod go_mod;
pub mod ini;
pub mod julia_project;
pub mod jupyter_notebook;
pub mod npm_lock;
pub mod npmrc;
pub mod package_json;
pub mod pip_conf;
pub mod pipfile;
pub mod pixi_lock;
pub mod pixi_toml;
pub mod pyproject_toml;
pub mod python_calls;
pub mod python_lock;
pub mod python_source;
pub mod requirements_txt;
pub mod setup_cfg;
pub mod shell;
pub mod toml_support;
pub mod uv_toml;
// Other ecosystems (issue 3, part B).
pub mod dotnet_project;
pub mod gemfile;
pub mod gemfile_lock;
pub mod gradle;
pub mod maven_settings;
pub mod nuget_config;
pub mod pnpm_lock;
pub mod pom_xml;
pub mod r_description;
pub mod renv_lock;
pub mod wrapper_properties;
pub mod yarn_lock;
pub mod yarnrc;
pub mod yarnrc_yml;

/// What parsers may know beyond the file: the environment, only with `--env`.
#[derive(Clone, Debug, Default)]
pub struct ParseContext {
    /// `None` unless the user passed `--env`: the scanning machine's environment must
    /// never change a result otherwise.
    pub env: Option<BTreeMap<String, String>>,
}

/// One input format.
pub trait Format: Sync {
    /// A stable name such as `python/requirements-txt`.
    fn name(&self) -> &'static str;
    /// What people call it (`pip requirements`).
    fn title(&self) -> &'static str;
    /// The files it reads, in Markdown (`pkgallow formats`, the README table).
    fn files(&self) -> &'static str;
    /// What it reads from them, in Markdown.
    fn reads(&self) -> &'static str;
    /// Whether the file (its name, and the directory it is in) is in this format.
    fn matches(&self, candidate: &Candidate<'_>) -> bool;
    /// Parses the file. Never fails; problems become diagnostics.
    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest;
    /// Whether [`Format::parse`] would certainly find nothing in this text (no sources,
    /// no diagnostics), judged cheaply: discovery then drops the file unparsed. Most
    /// Python source in a large tree is dropped so.
    fn says_nothing(&self, _text: &str) -> bool {
        false
    }
}

/// Every format, in the order they are tried; the first match wins.
pub const FORMATS: &[&dyn Format] = &[
    &requirements_txt::RequirementsTxt,
    &pyproject_toml::PyprojectToml,
    &pipfile::Pipfile,
    &setup_cfg::SetupCfg,
    &pip_conf::PipConf,
    &uv_toml::UvToml,
    &python_lock::PythonLock,
    &conda_lock::CondaExplicit,
    &condarc::Condarc,
    &package_json::PackageJson,
    &npm_lock::NpmLock,
    &npmrc::Npmrc,
    &yarn_lock::YarnLock,
    &pnpm_lock::PnpmLock,
    &yarnrc::Yarnrc,
    &yarnrc_yml::YarnrcYml,
    &r_description::RDescription,
    &renv_lock::RenvLock,
    &pom_xml::PomXml,
    &maven_settings::MavenSettings,
    &gradle::Gradle,
    &wrapper_properties::WrapperProperties,
    &nuget_config::NugetConfig,
    &dotnet_project::DotnetProject,
    &gemfile::Gemfile,
    &gemfile_lock::GemfileLock,
    &jupyter_notebook::JupyterNotebook,
    &python_source::PythonSource,
    &dockerfile::Dockerfile,
    &cargo_toml::CargoToml,
    &cargo_lock::CargoLock,
    &cargo_config::CargoConfig,
    &go_mod::GoMod,
    &julia_project::JuliaProject,
    &pixi_toml::PixiToml,
    &pixi_lock::PixiLock,
    &apt_sources::AptSources,
    // Azure ML assets first: every YAML file is read once, and what is not an Azure ML
    // asset is read as a conda environment.
    &azureml_asset::AzuremlAsset,
    &conda_environment::CondaEnvironment,
];

/// The supported-format table in Markdown: what `pkgallow formats --markdown` prints and
/// what the README carries (a test keeps the two equal).
pub fn markdown_table() -> String {
    let mut out = String::from("| Format | Files | What counts |\n|---|---|---|\n");
    for format in FORMATS {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            format.title(),
            format.files(),
            format.reads()
        );
    }
    out
}

/// The format of a path (relative to the scanned root), if pkgallow reads it.
pub fn format_for(path: &Path) -> Option<&'static dyn Format> {
    format_of(&Candidate::new(path))
}

/// The format of a file, if pkgallow reads it.
pub fn format_of(candidate: &Candidate<'_>) -> Option<&'static dyn Format> {
    FORMATS
        .iter()
        .copied()
        .find(|format| format.matches(candidate))
}

/// What formats look at to claim a file, worked out once per file: the walk asks every
/// format about every file, and each working out the name again from the path was a
/// third of a large scan. Only the name and the directory it is in count, never the
/// rest of the path.
#[derive(Clone, Debug)]
pub struct Candidate<'a> {
    /// The file name as written (invalid UTF-8 replaced).
    name: Cow<'a, str>,
    /// The file name, lower-cased (ASCII).
    lower: Cow<'a, str>,
    /// Where the extension of `lower` starts (after the dot), by `Path::extension`'s rule.
    extension: Option<usize>,
    /// The path, for the name of the directory the file is in.
    path: &'a Path,
    /// Whether that directory is under the scanned root (and so may count).
    in_directory: bool,
}

impl<'a> Candidate<'a> {
    /// A file at `path`, relative to the scanned root.
    pub fn new(path: &'a Path) -> Self {
        let name = path.file_name().unwrap_or_default();
        Self::named(path, name, true)
    }

    /// A file met in a walk: its `path` as walked, its `name`, and whether the directory
    /// it is in is below the root (rather than the root itself, which does not count).
    pub fn walked(path: &'a Path, name: &'a std::ffi::OsStr, depth: usize) -> Self {
        Self::named(path, name, depth >= 2)
    }

    fn named(path: &'a Path, name: &'a std::ffi::OsStr, in_directory: bool) -> Self {
        let name = name.to_string_lossy();
        let lower = if name.bytes().any(|byte| byte.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            name.clone()
        };
        // `Path::extension`: after the last dot, unless the name is `..` or the dot
        // starts it (`.py` has none).
        let extension = match lower.rfind('.') {
            Some(0) | None => None,
            Some(_) if lower == ".." => None,
            Some(dot) => Some(dot + 1),
        };
        Self {
            name,
            lower,
            extension,
            path,
            in_directory,
        }
    }

    /// The file name as written.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file name, lower-cased.
    pub fn lower_name(&self) -> &str {
        &self.lower
    }

    /// The extension of the lower-cased name, without the dot (`Path::extension`'s rule).
    pub fn extension(&self) -> Option<&str> {
        self.extension.map(|start| &self.lower[start..])
    }

    /// The name of the directory the file is in, as written, when it is below the root.
    /// Worked out on demand: few formats ask.
    pub fn directory(&self) -> Option<Cow<'a, str>> {
        if !self.in_directory {
            return None;
        }
        self.path
            .parent()
            .and_then(Path::file_name)
            .map(std::ffi::OsStr::to_string_lossy)
    }
}

/// The file name of a path, lower-cased (borrowed when it already is), for parsers that
/// tell variants of their format apart by name.
pub(crate) fn file_name(path: &Path) -> Cow<'_, str> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy())
        .unwrap_or_default();
    if name.bytes().any(|byte| byte.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        name
    }
}

/// Expands `${NAME}` (upper case, digits, `_`: pip's rule) from the context's
/// environment. Unknown or unavailable variables are left as written, so that
/// [`remote::parse`] can tell whether they touch the host.
pub fn expand_variables(text: &str, context: &ParseContext) -> String {
    if !text.contains("${") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}');
        let name = end.map(|end| &after[..end]);
        match name {
            Some(name)
                if !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') =>
            {
                if let Some(value) = context.env.as_ref().and_then(|env| env.get(name)) {
                    out.push_str(value);
                } else {
                    out.push_str("${");
                    out.push_str(name);
                    out.push('}');
                }
                rest = &after[name.len() + 1..];
            }
            _ => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses a URL a file declares into a remote, reporting why not when it is not one.
/// Local paths give `None` silently.
pub fn declare(
    raw: &str,
    file: &SourceFile,
    at: &Location,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Remote> {
    match remote::parse(raw) {
        Ok(remote) => Some(remote),
        Err(NoRemote::Local) => None,
        Err(NoRemote::UnresolvedVariable(name)) => {
            diagnostics.push(
                Diagnostic::at(
                    Code::UnresolvedVariable,
                    file,
                    at.clone(),
                    format!("`${{{name}}}` is not expanded, so the host of `{raw}` is unknown"),
                )
                .with_help(
                    "pass --env to expand variables from the environment, or write the host",
                ),
            );
            None
        }
        Err(NoRemote::Invalid(message)) => {
            diagnostics.push(Diagnostic::at(Code::InvalidUrl, file, at.clone(), message));
            None
        }
    }
}

/// A declared index/find-links URL; an unknown host still counts as declared.
pub fn declared(
    raw: &str,
    file: &SourceFile,
    at: &Location,
    diagnostics: &mut Vec<Diagnostic>,
) -> Declared {
    Declared {
        remote: declare(raw, file, at, diagnostics),
        at: at.clone(),
    }
}

/// The column (1-based, in characters) of `needle` in a line, or 1.
pub(crate) fn column_of(line: &str, needle: &str) -> usize {
    if needle.is_empty() {
        return 1;
    }
    line.find(needle)
        .map_or(1, |index| line[..index].chars().count() + 1)
}

/// The package name a requirement starts with (`transformers` in
/// `transformers[torch]>=4 ; python_version > "3"`), or `None` for URLs and paths.
pub(crate) fn leading_package_name(requirement: &str) -> Option<&str> {
    let text = requirement.trim_start();
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(text.len());
    let name = &text[..end];
    let next = text[end..].chars().next();
    let ends_well = next.is_none_or(|c| {
        c.is_whitespace() || matches!(c, '[' | '<' | '>' | '=' | '!' | '~' | ';' | '@' | '(' | ',')
    });
    (!name.is_empty() && name.starts_with(|c: char| c.is_ascii_alphanumeric()) && ends_well)
        .then_some(name)
}

/// Records a direct source of an explicit ecosystem.
pub(crate) fn push_direct_in(
    manifest: &mut Manifest,
    ecosystem: crate::model::Ecosystem,
    kind: crate::model::Kind,
    raw: &str,
    file: &SourceFile,
    at: &Location,
) {
    if let Some(remote) = declare(raw, file, at, &mut manifest.diagnostics) {
        manifest.direct.push(crate::model::Direct {
            ecosystem,
            kind,
            remote,
            at: at.clone(),
        });
    }
}

/// Records a direct source: contacted whatever the index configuration.
pub(crate) fn push_direct(
    manifest: &mut Manifest,
    kind: crate::model::Kind,
    raw: &str,
    file: &SourceFile,
    at: &Location,
) {
    if let Some(remote) = declare(raw, file, at, &mut manifest.diagnostics) {
        manifest.direct.push(crate::model::Direct {
            ecosystem: match kind {
                crate::model::Kind::Channel => crate::model::Ecosystem::Conda,
                crate::model::Kind::Registry => crate::model::Ecosystem::Container,
                _ => crate::model::Ecosystem::Python,
            },
            kind,
            remote,
            at: at.clone(),
        });
    }
}

/// Warns about an index or file host reached over plain HTTP.
pub(crate) fn warn_plain_http(manifest: &mut Manifest, declared: &Declared, file: &SourceFile) {
    if let Some(remote) = &declared.remote
        && remote.scheme == "http"
    {
        manifest.diagnostics.push(
            Diagnostic::at(
                Code::PlainHttp,
                file,
                declared.at.clone(),
                format!(
                    "`{}` is reached over plain HTTP on port {}",
                    remote.display, remote.port
                ),
            )
            .with_help("use https:// where the server offers it; plain HTTP can be tampered with"),
        );
    }
}

/// Why a string is not a PEP 508 requirement: the character offset of the problem and
/// a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pep508Problem {
    pub offset: usize,
    pub message: String,
}

/// Parses a PEP 508 requirement without ever panicking. `pep508_rs` 0.9 panics on a
/// name or extra that ends in `-`, `.` or `_` followed by more text (`numpy- ==1`,
/// `a[b-]`), so those are rejected here first. It also mixes character counts with
/// byte offsets after a marker (`; python_version < "3"é` slices inside `é`), so
/// non-ASCII text is parsed as an ASCII copy of the same byte length ([`ascii_twin`])
/// and the URL, the one part kept, is taken back from the original. Any other panic is
/// caught and reported as an unparsable requirement. URLs are kept verbatim
/// ([`RawUrl`](requirements_txt::RawUrl)); the offset of a problem counts characters.
pub(crate) fn parse_pep508(
    text: &str,
) -> Result<pep508_rs::Requirement<requirements_txt::RawUrl>, Pep508Problem> {
    use std::str::FromStr;
    let twin = ascii_twin(text);
    let ascii: &str = &twin;
    if let Some(problem) = pep508_identifier_problem(ascii) {
        return Err(Pep508Problem {
            offset: char_offset(text, problem.offset),
            ..problem
        });
    }
    match std::panic::catch_unwind(|| {
        pep508_rs::Requirement::<requirements_txt::RawUrl>::from_str(ascii)
    }) {
        Ok(Ok(mut requirement)) => {
            if let (Cow::Owned(_), Some(pep508_rs::VersionOrUrl::Url(url))) =
                (&twin, &mut requirement.version_or_url)
            {
                url.0 = original_url(text, ascii, &url.0);
            }
            Ok(requirement)
        }
        Ok(Err(error)) => {
            let message = error.message.to_string();
            // The twin's `~` must not show: name the character it stands for.
            if matches!(twin, Cow::Owned(_))
                && message.contains('~')
                && let Some(problem) = non_ascii_problem(text, error.start)
            {
                return Err(problem);
            }
            Err(Pep508Problem {
                offset: char_offset(text, error.start),
                message,
            })
        }
        Err(_) => Err(Pep508Problem {
            offset: 0,
            message: "the PEP 508 parser could not read this requirement".to_string(),
        }),
    }
}

/// `text` with every non-ASCII character replaced by as many ASCII bytes as it takes:
/// spaces for whitespace (which PEP 508 parsers skip), `~` otherwise. A `~` run is
/// invalid wherever a name, extra, version or operator may stand (`~=` needs one `~`)
/// and valid in a URL or a quoted marker value, so the copy parses exactly when the
/// original would, and every byte offset means the same in both.
fn ascii_twin(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let mut twin = String::with_capacity(text.len());
    for character in text.chars() {
        if character.is_ascii() {
            twin.push(character);
        } else {
            let filler = if character.is_whitespace() { ' ' } else { '~' };
            twin.extend(std::iter::repeat_n(filler, character.len_utf8()));
        }
    }
    Cow::Owned(twin)
}

/// The URL of `name @ URL` as the original text writes it: PEP 508 puts it after the
/// first `@` (a name and extras cannot hold one) and any whitespace, at the same bytes
/// in the ASCII twin as in the original.
fn original_url(text: &str, twin: &str, url: &str) -> String {
    let start = twin.find('@').map_or(0, |at| {
        at + 1 + (twin[at + 1..].len() - twin[at + 1..].trim_start().len())
    });
    if twin[start..].starts_with(url)
        && let Some(original) = text.get(start..start + url.len())
    {
        return original.to_string();
    }
    url.to_string()
}

/// The first character PEP 508 cannot hold unquoted, at or after byte `start` if there is
/// one there (where the parser stopped), else the first in `text`.
fn non_ascii_problem(text: &str, start: usize) -> Option<Pep508Problem> {
    let mut candidates = text
        .char_indices()
        .filter(|(_, c)| !c.is_ascii() && !c.is_whitespace());
    let (at, character) = candidates
        .clone()
        .find(|(at, _)| *at >= start)
        .or_else(|| candidates.next())?;
    Some(Pep508Problem {
        offset: char_offset(text, at),
        message: format!(
            "`{character}` cannot stand here (outside quotes and URLs, PEP 508 is ASCII)"
        ),
    })
}

/// The number of characters before byte `offset` of `text` (which may fall inside one).
fn char_offset(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|byte| (**byte & 0xC0) != 0x80)
        .count()
}

/// A name or extra that starts or ends with a separator: invalid in PEP 508, and the
/// input that makes `pep508_rs` panic.
fn pep508_identifier_problem(text: &str) -> Option<Pep508Problem> {
    let chars: Vec<char> = text.chars().collect();
    let is_identifier = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
    let is_separator = |c: char| matches!(c, '-' | '.' | '_');
    let mut index = chars.iter().take_while(|c| c.is_whitespace()).count();
    let start = index;
    while index < chars.len() && is_identifier(chars[index]) {
        index += 1;
    }
    if index > start && (is_separator(chars[start]) || is_separator(chars[index - 1])) {
        return Some(Pep508Problem {
            offset: if is_separator(chars[start]) {
                start
            } else {
                index - 1
            },
            message: "a package name starts and ends with a letter or digit".to_string(),
        });
    }
    while index < chars.len() && chars[index].is_whitespace() {
        index += 1;
    }
    if chars.get(index) != Some(&'[') {
        return None;
    }
    index += 1;
    loop {
        while index < chars.len() && (chars[index].is_whitespace() || chars[index] == ',') {
            index += 1;
        }
        let extra_start = index;
        while index < chars.len() && is_identifier(chars[index]) {
            index += 1;
        }
        if index == extra_start {
            return None;
        }
        if is_separator(chars[extra_start]) || is_separator(chars[index - 1]) {
            return Some(Pep508Problem {
                offset: if is_separator(chars[extra_start]) {
                    extra_start
                } else {
                    index - 1
                },
                message: "an extra name starts and ends with a letter or digit".to_string(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: these made `pep508_rs` panic, which took the whole scan down.
    #[test]
    fn pep508_never_panics() {
        for text in [
            "numpy- ==1",
            "a[b-]",
            "a[-b]",
            "_a ==1",
            "a. ==1",
            "a[b,c_] >=1",
            "a-[x]",
        ] {
            let problem = parse_pep508(text).unwrap_err();
            assert!(
                problem.message.contains("letter or digit"),
                "{text}: {problem:?}"
            );
        }
        assert!(parse_pep508("a-b[c-d, e] >= 1 ; python_version > '3'").is_ok());
        // Every short string over a hostile alphabet parses or fails, never panics.
        let alphabet: Vec<char> = "a1-._[],=; @".chars().collect();
        let mut text = String::new();
        let mut counters = [0usize; 5];
        loop {
            text.clear();
            text.extend(counters.iter().map(|&index| alphabet[index]));
            let _ = parse_pep508(&text);
            let mut position = 0;
            loop {
                if position == counters.len() {
                    return;
                }
                counters[position] += 1;
                if counters[position] < alphabet.len() {
                    break;
                }
                counters[position] = 0;
                position += 1;
            }
        }
    }

    /// Regression (fuzzing): a non-ASCII character right after a marker made
    /// `pep508_rs` slice inside it. Parsed through the ASCII twin, such text is an
    /// ordinary parse error (not the caught-panic message), a URL keeps its characters,
    /// and offsets count characters.
    #[test]
    fn non_ascii_requirements_parse_without_a_panic() {
        const CAUGHT: &str = "the PEP 508 parser could not read this requirement";
        for text in [
            "requests[socks] >= 2.8.1, == 2.8.* ; python_version < \"2.7\"\u{fffd}",
            "a ; python_version < \"3\" \u{e9}and",
            "a ; python_version < \"3\" and os_name == \"nt\" \u{20ac}\u{20ac}",
            "a @ https://example.com/a.whl ; python_version < \"3\"\u{e9}",
            "n\u{fc}m ==1",
            "a ==1\u{e9}",
            "a[\u{e9}]",
        ] {
            let problem = parse_pep508(text).unwrap_err();
            assert_ne!(problem.message, CAUGHT, "{text}");
            assert!(
                problem.offset <= text.chars().count(),
                "{text}: {problem:?}"
            );
        }
        // The twin's filler never shows: the message names the character, at its place.
        for (text, offset, character) in [
            ("n\u{fc}m ==1", 1, '\u{fc}'),
            ("a ==1\u{e9}", 5, '\u{e9}'),
            ("a[\u{e9}]", 2, '\u{e9}'),
        ] {
            let problem = parse_pep508(text).unwrap_err();
            assert_eq!(problem.offset, offset, "{text}");
            assert!(
                problem.message.starts_with(&format!("`{character}`")),
                "{problem:?}"
            );
        }
        let Some(pep508_rs::VersionOrUrl::Url(url)) =
            parse_pep508("pkg @ https://example.com/\u{fc}/p.whl ; python_version > \"3\"")
                .unwrap()
                .version_or_url
        else {
            panic!("no URL");
        };
        assert_eq!(url.0, "https://example.com/\u{fc}/p.whl");
        for text in [
            "a ; platform_release == \"\u{e9}\"",
            "a\u{a0}==1",
            "a @\u{a0}https://example.com/a.whl",
        ] {
            assert!(parse_pep508(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn leading_package_names() {
        for (text, name) in [
            (
                "transformers[torch]>=4 ; python_version > '3'",
                Some("transformers"),
            ),
            ("Sentence_Transformers", Some("Sentence_Transformers")),
            ("nltk==3.9", Some("nltk")),
            ("torch @ https://example.org/torch.whl", Some("torch")),
            ("https://example.org/x.whl", None),
            ("./local/pkg", None),
            ("-e .", None),
            ("", None),
        ] {
            assert_eq!(leading_package_name(text), name, "{text}");
        }
        assert_eq!(
            crate::model::normalise_package("Sentence__Transformers.x"),
            "sentence-transformers-x"
        );
    }

    #[test]
    fn variables_expand_only_from_the_given_environment() {
        let none = ParseContext::default();
        assert_eq!(
            expand_variables("https://${HOST}/x", &none),
            "https://${HOST}/x"
        );
        let env = ParseContext {
            env: Some(BTreeMap::from([(
                "HOST".to_string(),
                "example.com".to_string(),
            )])),
        };
        assert_eq!(
            expand_variables("https://${HOST}/x", &env),
            "https://example.com/x"
        );
        assert_eq!(
            expand_variables("${lower} $HOST ${", &env),
            "${lower} $HOST ${"
        );
    }

    /// README's "What it reads" table is exactly what `pkgallow formats --markdown` prints.
    #[test]
    fn readme_lists_every_format() {
        let readme = include_str!("../README.md");
        let table = markdown_table();
        assert!(
            readme.contains(&table),
            "README's format table is out of date; replace it with:\n{table}"
        );
    }

    /// A candidate's name facts are `Path`'s, lower-cased; the directory counts only
    /// below the root.
    #[test]
    fn candidates_read_names_as_path_does() {
        for path in [
            "a/B.Py",
            ".py",
            "x/..py",
            "a.",
            "a..b",
            "Dockerfile",
            "requirements/Dev.TXT",
            "deep/er/.cargo/config",
            "noext",
            "a/b/c.tar.gz",
        ] {
            let path = Path::new(path);
            let candidate = Candidate::new(path);
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            assert_eq!(candidate.name(), name, "{path:?}");
            assert_eq!(
                candidate.lower_name(),
                name.to_ascii_lowercase(),
                "{path:?}"
            );
            assert_eq!(
                candidate.extension(),
                path.extension()
                    .map(|extension| extension.to_string_lossy().to_ascii_lowercase())
                    .as_deref(),
                "{path:?}"
            );
            assert_eq!(
                candidate.directory().as_deref(),
                path.parent()
                    .and_then(Path::file_name)
                    .map(|name| name.to_string_lossy())
                    .as_deref(),
                "{path:?}"
            );
        }
        let walked = Path::new("/scan/root/requirements/dev.txt");
        let name = std::ffi::OsStr::new("dev.txt");
        assert_eq!(Candidate::walked(walked, name, 1).directory(), None);
        assert_eq!(
            Candidate::walked(walked, name, 2).directory().as_deref(),
            Some("requirements")
        );
        assert!(format_of(&Candidate::walked(walked, name, 2)).is_some());
        assert!(format_of(&Candidate::walked(walked, name, 1)).is_none());
    }

    #[test]
    fn every_format_has_a_unique_name() {
        let mut names: Vec<_> = FORMATS.iter().map(|format| format.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FORMATS.len());
    }
}
