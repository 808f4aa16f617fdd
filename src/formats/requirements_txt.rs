//! pip requirements files (`requirements*.txt`, `requirements/*.txt`, `constraints*.txt`,
//! `*.in`, and any file reached through `-r`/`-c`).
//!
//! Lines are read the way pip reads them: physical lines ending in `\` are joined (a
//! comment line ends a continuation), `#` starts a comment at the start of a line or after
//! whitespace only (so `#egg=` fragments survive), `${VAR}` is expanded, then the line is
//! split into a requirement and its options at the first token starting with `-`.
//! Options are split shell-style and accept `--opt=value`, `--opt value` and `-ovalue`.
//! Requirements are PEP 508 (parsed by `pep508_rs`), bare URLs, VCS URLs or local paths.

use std::convert::Infallible;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::{
    ParseContext, column_of, declared, expand_variables, file_name, push_direct, warn_plain_http,
};
use crate::model::{Include, Installer, Kind, Manifest, Role};
use crate::remote;
use crate::source::{Location, SourceFile};

pub struct RequirementsTxt;

pub const NAME: &str = "python/requirements-txt";

impl super::Format for RequirementsTxt {
    fn name(&self) -> &'static str {
        NAME
    }

    fn matches(&self, path: &Path) -> bool {
        let name = file_name(path);
        let extension = Path::new(&name).extension().and_then(|e| e.to_str());
        let text_like = matches!(extension, Some("txt" | "in"));
        if !text_like {
            return false;
        }
        if name.contains("requirements") || name.starts_with("constraints") {
            return true;
        }
        let parent = path
            .parent()
            .and_then(Path::file_name)
            .map(|parent| parent.to_string_lossy().to_ascii_lowercase());
        parent.as_deref() == Some("requirements")
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        parse(file, context)
    }
}

/// Parses a requirements file. Also used for files reached through `-r`/`-c` whatever
/// their names.
pub fn parse(file: &SourceFile, context: &ParseContext) -> Manifest {
    let mut manifest = Manifest::new(&file.path, NAME, Installer::Pip, Role::Install);
    for logical in logical_lines(&file.text) {
        let text = expand_variables(&logical.text, context);
        parse_line(&mut manifest, file, &logical, &text);
    }
    manifest
}

/// A line after joining continuations and removing comments.
struct LogicalLine<'a> {
    /// 1-based number of its first physical line.
    line: usize,
    /// The first physical line, for columns.
    first: &'a str,
    text: String,
}

fn logical_lines(text: &str) -> Vec<LogicalLine<'_>> {
    let mut lines = Vec::new();
    let mut pending: Option<(usize, &str, String)> = None;
    for (index, physical) in text.split('\n').enumerate() {
        let physical = physical.strip_suffix('\r').unwrap_or(physical);
        let is_comment = physical.trim_start().starts_with('#');
        if !physical.ends_with('\\') || is_comment {
            let joined = match pending.take() {
                Some((line, first, mut joined)) => {
                    if !is_comment {
                        joined.push_str(physical);
                    }
                    (line, first, joined)
                }
                None => (index + 1, physical, physical.to_string()),
            };
            let stripped = strip_comment(&joined.2);
            if !stripped.is_empty() {
                lines.push(LogicalLine {
                    line: joined.0,
                    first: joined.1,
                    text: stripped.to_string(),
                });
            }
        } else {
            let part = physical.trim_matches('\\');
            match &mut pending {
                Some((_, _, joined)) => joined.push_str(part),
                None => pending = Some((index + 1, physical, part.to_string())),
            }
        }
    }
    if let Some((line, first, joined)) = pending {
        let stripped = strip_comment(&joined);
        if !stripped.is_empty() {
            lines.push(LogicalLine {
                line,
                first,
                text: stripped.to_string(),
            });
        }
    }
    lines
}

/// Removes a comment: `#` at the start or after whitespace, to the end of the line.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (index, &byte) in bytes.iter().enumerate() {
        if byte == b'#' && (index == 0 || bytes[index - 1].is_ascii_whitespace()) {
            return line[..index].trim();
        }
    }
    line.trim()
}

/// Options pip accepts on a line of their own, with whether they take a value.
const LINE_OPTIONS: &[(&str, Option<&str>, bool)] = &[
    ("--index-url", Some("-i"), true),
    ("--extra-index-url", None, true),
    ("--no-index", None, false),
    ("--find-links", Some("-f"), true),
    ("--trusted-host", None, true),
    ("--requirement", Some("-r"), true),
    ("--constraint", Some("-c"), true),
    ("--editable", Some("-e"), true),
    ("--pre", None, false),
    ("--prefer-binary", None, false),
    ("--require-hashes", None, false),
    ("--only-binary", None, true),
    ("--no-binary", None, true),
    ("--use-feature", None, true),
];

/// Options pip accepts after a requirement on the same line.
const REQUIREMENT_OPTIONS: &[(&str, Option<&str>, bool)] = &[
    ("--hash", None, true),
    ("--config-settings", Some("-C"), true),
    ("--global-option", None, true),
    ("--install-option", None, true),
];

fn parse_line(manifest: &mut Manifest, file: &SourceFile, logical: &LogicalLine<'_>, text: &str) {
    let (requirement, options) = split_requirement_and_options(text);
    let at = |needle: &str| file.line_location(logical.line, column_of(logical.first, needle));
    let table = if requirement.is_empty() {
        LINE_OPTIONS
    } else {
        REQUIREMENT_OPTIONS
    };
    let (parsed, problems) = parse_options(&options, table);
    for problem in problems {
        let location = at(problem.token());
        let diagnostic = match problem {
            OptionProblem::Unknown(token) => Diagnostic::at(
                Code::UnknownOption,
                file,
                location,
                format!("pip does not accept `{token}` here"),
            )
            .with_help(if requirement.is_empty() {
                "requirements files accept -i, --extra-index-url, --no-index, -f, --trusted-host, -r, -c, -e and a few install flags"
            } else {
                "after a requirement pip accepts only --hash, --config-settings and --global-option"
            }),
            OptionProblem::MissingValue(option) => Diagnostic::at(
                Code::MissingOptionValue,
                file,
                location,
                format!("`{option}` needs a value"),
            ),
        };
        manifest.diagnostics.push(diagnostic);
    }
    for (option, value) in parsed {
        apply_option(manifest, file, &at(&value), option, &value);
    }
    if !requirement.is_empty() {
        let location = at(requirement.split_whitespace().next().unwrap_or_default());
        classify_requirement(manifest, file, &location, &requirement);
    }
}

fn apply_option(
    manifest: &mut Manifest,
    file: &SourceFile,
    at: &Location,
    option: &str,
    value: &str,
) {
    match option {
        "--index-url" => {
            let declared = declared(value, file, at, &mut manifest.diagnostics);
            warn_plain_http(manifest, &declared, file);
            if let Some(previous) = &manifest.options.index_url {
                manifest.diagnostics.push(
                    Diagnostic::at(
                        Code::IndexOverridden,
                        file,
                        at.clone(),
                        format!(
                            "the index URL is set again; pip uses only the last one (the first was at line {})",
                            previous.at.line
                        ),
                    )
                    .with_help("keep one --index-url and use --extra-index-url for the others"),
                );
            }
            manifest.options.index_url = Some(declared);
        }
        "--extra-index-url" => {
            let declared = declared(value, file, at, &mut manifest.diagnostics);
            warn_plain_http(manifest, &declared, file);
            manifest.options.extra_index_urls.push(declared);
        }
        "--no-index" => manifest.options.no_index = Some(at.clone()),
        "--find-links"
            // A local directory of archives needs no host.
            if remote::has_scheme(value) => {
                let declared = declared(value, file, at, &mut manifest.diagnostics);
                if declared.remote.is_some() {
                    warn_plain_http(manifest, &declared, file);
                    manifest.options.find_links.push(declared);
                }
            }
        "--requirement" | "--constraint" => {
            let constraint = option == "--constraint";
            if remote::has_scheme(value) && !value.starts_with("file:") {
                push_direct(manifest, Kind::RemoteInclude, value, file, at);
                manifest.diagnostics.push(
                    Diagnostic::at(
                        Code::RemoteIncludeNotFollowed,
                        file,
                        at.clone(),
                        format!("remote include `{value}` is reported as a host but not read"),
                    )
                    .with_help("pkgallow never downloads; vendor the file into the repository to have it scanned"),
                );
            } else if value.contains("${") {
                manifest.diagnostics.push(
                    Diagnostic::at(
                        Code::UnresolvedVariable,
                        file,
                        at.clone(),
                        format!("`{value}` names a variable that is not expanded, so the included file is unknown"),
                    )
                    .with_help("pass --env to expand variables from the environment, or write the path"),
                );
            } else {
                let target = value
                    .strip_prefix("file://")
                    .or_else(|| value.strip_prefix("file:"))
                    .unwrap_or(value);
                manifest.includes.push(Include {
                    target: target.to_string(),
                    constraint,
                    at: at.clone(),
                });
            }
        }
        "--editable" => classify_requirement(manifest, file, at, value),
        // --trusted-host, --pre, binary and feature flags change no host.
        _ => {}
    }
}

/// Records what one requirement needs: an index, a VCS host, an archive host.
fn classify_requirement(
    manifest: &mut Manifest,
    file: &SourceFile,
    at: &Location,
    requirement: &str,
) {
    let first = requirement.split_whitespace().next().unwrap_or_default();
    if remote::vcs_of(first).is_some() {
        push_direct(manifest, Kind::Vcs, first, file, at);
        // Building from a checkout fetches the build backend from the index.
        manifest.need_index(at.clone());
        return;
    }
    if remote::has_scheme(first) {
        url_requirement(manifest, file, at, first);
        return;
    }
    if remote::looks_local(first) || is_archive_name(first) {
        if !is_wheel(first) {
            manifest.need_index(at.clone());
        }
        return;
    }
    match pep508_rs::Requirement::<RawUrl>::from_str(requirement) {
        Ok(parsed) => match parsed.version_or_url {
            Some(pep508_rs::VersionOrUrl::Url(url)) => url_requirement(manifest, file, at, &url.0),
            _ => manifest.need_index(at.clone()),
        },
        Err(error) => {
            let column = at.column as usize
                + error.input[..error.start.min(error.input.len())]
                    .chars()
                    .count();
            let location = file.line_location(at.line as usize, column);
            manifest.diagnostics.push(
                Diagnostic::at(
                    Code::InvalidRequirement,
                    file,
                    location,
                    format!("not a valid requirement: {}", error.message),
                )
                .with_help(
                    "write `name[extras] specifier ; marker`, `name @ URL`, a URL or a path",
                ),
            );
        }
    }
}

fn url_requirement(manifest: &mut Manifest, file: &SourceFile, at: &Location, url: &str) {
    if remote::vcs_of(url).is_some() {
        push_direct(manifest, Kind::Vcs, url, file, at);
        manifest.need_index(at.clone());
        return;
    }
    let path = url.split(['#', '?']).next().unwrap_or(url);
    if !is_wheel(path) {
        // An sdist or directory is built, and building fetches the backend from the index.
        manifest.need_index(at.clone());
    }
    push_direct(manifest, Kind::Archive, url, file, at);
}

fn is_wheel(text: &str) -> bool {
    Path::new(text)
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("whl"))
}

fn is_archive_name(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz"]
        .iter()
        .any(|extension| lower.ends_with(extension))
}

/// pip's `break_args_options`: the requirement is every space-separated token before the
/// first one starting with `-`.
fn split_requirement_and_options(line: &str) -> (String, String) {
    let mut requirement = Vec::new();
    let mut tokens = line.split(' ');
    let mut options = Vec::new();
    for token in tokens.by_ref() {
        if token.starts_with('-') {
            options.push(token);
            break;
        }
        requirement.push(token);
    }
    options.extend(tokens);
    (requirement.join(" ").trim().to_string(), options.join(" "))
}

enum OptionProblem {
    Unknown(String),
    MissingValue(String),
}

impl OptionProblem {
    fn token(&self) -> &str {
        match self {
            OptionProblem::Unknown(token) | OptionProblem::MissingValue(token) => token,
        }
    }
}

/// Parses option tokens against a table; returns (canonical long name, value) pairs.
fn parse_options(
    text: &str,
    table: &[(&'static str, Option<&'static str>, bool)],
) -> (Vec<(&'static str, String)>, Vec<OptionProblem>) {
    let tokens = shell_split(text);
    let mut parsed = Vec::new();
    let mut problems = Vec::new();
    let mut index = 0;
    while index < tokens.len() {
        let token = &tokens[index];
        index += 1;
        let mut matched = None;
        for &(long, short, takes_value) in table {
            if token == long || Some(token.as_str()) == short {
                matched = Some((long, takes_value, None));
            } else if let Some(value) = token
                .strip_prefix(long)
                .and_then(|rest| rest.strip_prefix('='))
            {
                matched = Some((long, takes_value, Some(value.to_string())));
            } else if let Some(short) = short
                && let Some(value) = token.strip_prefix(short)
                && !token.starts_with("--")
            {
                let value = value.strip_prefix('=').unwrap_or(value);
                matched = Some((long, takes_value, Some(value.to_string())));
            }
            if matched.is_some() {
                break;
            }
        }
        match matched {
            Some((long, true, Some(value))) => parsed.push((long, value)),
            Some((long, true, None)) => {
                if let Some(value) = tokens.get(index) {
                    parsed.push((long, value.clone()));
                    index += 1;
                } else {
                    problems.push(OptionProblem::MissingValue(token.clone()));
                }
            }
            Some((long, false, _)) => parsed.push((long, String::new())),
            None => problems.push(OptionProblem::Unknown(token.clone())),
        }
    }
    (parsed, problems)
}

/// Splits like a POSIX shell (pip uses `shlex.split`): whitespace separates, quotes
/// group, backslash escapes outside single quotes.
fn shell_split(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut in_token = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_token = true;
                for quoted in chars.by_ref() {
                    if quoted == '\'' {
                        break;
                    }
                    current.push(quoted);
                }
            }
            '"' => {
                in_token = true;
                while let Some(quoted) = chars.next() {
                    match quoted {
                        '"' => break,
                        '\\' => {
                            if let Some(escaped) = chars.next() {
                                current.push(escaped);
                            }
                        }
                        other => current.push(other),
                    }
                }
            }
            '\\' => {
                in_token = true;
                if let Some(escaped) = chars.next() {
                    current.push(escaped);
                }
            }
            c if c.is_whitespace() => {
                if in_token {
                    tokens.push(std::mem::take(&mut current));
                    in_token = false;
                }
            }
            other => {
                in_token = true;
                current.push(other);
            }
        }
    }
    if in_token {
        tokens.push(current);
    }
    tokens
}

/// A URL kept exactly as written: `pep508_rs`'s own URL type expands `${VAR}` from the
/// process environment, which would let the scanning machine change results.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RawUrl(pub String);

impl fmt::Display for RawUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl pep508_rs::Pep508Url for RawUrl {
    type Err = Infallible;

    fn parse_url(url: &str, _working_dir: Option<&Path>) -> Result<Self, Self::Err> {
        Ok(RawUrl(url.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Format;

    fn lines(text: &str) -> Vec<(usize, String)> {
        logical_lines(text)
            .into_iter()
            .map(|line| (line.line, line.text))
            .collect()
    }

    #[test]
    fn comments_and_continuations_follow_pip() {
        assert_eq!(
            lines("a # note\n#b\nc \\\n  >=1 \\\n  ,<2\nd#egg=x\n\\\n"),
            vec![
                (1, "a".to_string()),
                (3, "c   >=1   ,<2".to_string()),
                (6, "d#egg=x".to_string()),
            ]
        );
        // A comment line ends a continuation.
        assert_eq!(
            lines("a \\\n# c\nb"),
            vec![(1, "a".to_string()), (3, "b".to_string())]
        );
    }

    #[test]
    fn options_in_every_spelling() {
        let (parsed, problems) = parse_options(
            "-ihttps://a --index-url=https://b --index-url https://c -i https://d --bogus",
            LINE_OPTIONS,
        );
        let values: Vec<_> = parsed.iter().map(|(_, value)| value.as_str()).collect();
        assert_eq!(values, ["https://a", "https://b", "https://c", "https://d"]);
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn split_like_pip() {
        assert_eq!(
            split_requirement_and_options("foo >= 1 --hash=sha256:abc"),
            ("foo >= 1".to_string(), "--hash=sha256:abc".to_string())
        );
        assert_eq!(
            split_requirement_and_options("-r other.txt"),
            (String::new(), "-r other.txt".to_string())
        );
    }

    #[test]
    fn paths_that_match() {
        let format = RequirementsTxt;
        for path in [
            "requirements.txt",
            "dev-requirements.txt",
            "a/requirements/base.txt",
            "constraints-3.11.txt",
            "requirements.in",
        ] {
            assert!(format.matches(Path::new(path)), "{path}");
        }
        for path in ["notes.txt", "requirements.md", "reqs/base.txt"] {
            assert!(!format.matches(Path::new(path)), "{path}");
        }
    }
}
