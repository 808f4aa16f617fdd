//! pip requirements files (`requirements*.txt`, `requirements/*.txt`, `constraints*.txt`,
//! `*.in`, and any file reached through `-r`/`-c`).
//!
//! Lines are read the way pip reads them: physical lines ending in `\` are joined (a
//! comment line ends a continuation), `#` starts a comment at the start of a line or after
//! whitespace only (so `#egg=` fragments survive), `${VAR}` is expanded, then the line is
//! split into a requirement and its options at the first token starting with `-`.
//! Options are split shell-style and accept `--opt=value`, `--opt value` and `-ovalue`.
//! Requirements are PEP 508 (parsed by `pep508_rs`), bare URLs, VCS URLs or local paths.
//! Lock files run to megabytes, so the common lines take fast paths that give exactly what
//! the full parse would: plain `name[extras] specifiers`, a marker already accepted in the
//! same file, and `--hash` options (see `is_plain_named_requirement`, `KnownMarkers` and
//! `only_hashes`).

use std::borrow::Cow;
use std::collections::HashSet;
use std::convert::Infallible;
use std::fmt;
use std::path::Path;

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::{
    Candidate, ParseContext, column_of, declared, expand_variables, push_direct, warn_plain_http,
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

    fn title(&self) -> &'static str {
        "pip requirements"
    }

    fn files(&self) -> &'static str {
        r"`*requirements*.txt`, `requirements/*.txt`, `constraints*.txt`, `*requirements*.in`, and every file reached through `-r`/`-c`"
    }

    fn reads(&self) -> &'static str {
        r"`-i/--index-url` (replaces the default index), `--extra-index-url` (adds), `--no-index` (removes all), `-f/--find-links`, `--trusted-host`, `-r`/`-c` (relative to the including file; cycles reported; remote includes reported as hosts, not followed), `-e`, per-requirement `--hash`/`--config-settings`/`--global-option`, PEP 508 requirements (via `pep508_rs`), `name @ URL`, bare archive URLs, VCS URLs (`git+https`, `git+ssh` → port 22, `hg+`, `svn+`, `bzr+`), local paths (no host), line continuations and comments as pip reads them"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        let name = candidate.lower_name();
        let text_like = matches!(candidate.extension(), Some("txt" | "in"));
        if !text_like {
            return false;
        }
        if name.contains("requirements") || name.starts_with("constraints") {
            return true;
        }
        candidate
            .directory()
            .is_some_and(|directory| directory.eq_ignore_ascii_case("requirements"))
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        parse(file, context)
    }
}

/// Parses a requirements file. Also used for files reached through `-r`/`-c` whatever
/// their names.
pub fn parse(file: &SourceFile, context: &ParseContext) -> Manifest {
    let mut manifest = Manifest::new(&file.path, NAME, Installer::Pip, Role::Install);
    let mut markers = KnownMarkers::default();
    for logical in logical_lines(&file.text) {
        // Most lines have nothing to expand: spare them the copy.
        let text = if logical.text.contains('$') {
            Cow::Owned(expand_variables(&logical.text, context))
        } else {
            Cow::Borrowed(&*logical.text)
        };
        parse_line(&mut manifest, file, &logical, &text, &mut markers);
    }
    manifest
}

/// A line after joining continuations and removing comments.
struct LogicalLine<'a> {
    /// 1-based number of its first physical line.
    line: usize,
    /// The first physical line, for columns.
    first: &'a str,
    /// Borrowed from the file unless continuations were joined.
    text: Cow<'a, str>,
}

/// The logical lines of a text, lazily: a 10 MB file never becomes a vector of lines.
fn logical_lines(text: &str) -> impl Iterator<Item = LogicalLine<'_>> {
    let mut physical_lines = text.split('\n').enumerate();
    std::iter::from_fn(move || {
        let mut pending: Option<(usize, &str, String)> = None;
        for (index, physical) in physical_lines.by_ref() {
            let physical = physical.strip_suffix('\r').unwrap_or(physical);
            let is_comment = physical.trim_start().starts_with('#');
            if !physical.ends_with('\\') || is_comment {
                if let Some((line, first, mut joined)) = pending.take() {
                    if !is_comment {
                        joined.push_str(physical);
                    }
                    if let Some(line) = joined_line(line, first, joined) {
                        return Some(line);
                    }
                } else {
                    let stripped = strip_comment(physical);
                    if !stripped.is_empty() {
                        return Some(LogicalLine {
                            line: index + 1,
                            first: physical,
                            text: Cow::Borrowed(stripped),
                        });
                    }
                }
            } else {
                let part = physical.trim_matches('\\');
                match &mut pending {
                    Some((_, _, joined)) => joined.push_str(part),
                    None => pending = Some((index + 1, physical, part.to_string())),
                }
            }
        }
        let (line, first, joined) = pending?;
        joined_line(line, first, joined)
    })
}

/// A logical line made of continued physical lines, unless only a comment is left.
fn joined_line(line: usize, first: &str, mut joined: String) -> Option<LogicalLine<'_>> {
    let stripped = strip_comment(&joined);
    if stripped.is_empty() {
        return None;
    }
    // Cut `joined` down to `stripped` in place rather than copying it.
    let start = stripped.as_ptr() as usize - joined.as_ptr() as usize;
    joined.truncate(start + stripped.len());
    joined.drain(..start);
    Some(LogicalLine {
        line,
        first,
        text: Cow::Owned(joined),
    })
}

/// Removes a comment: `#` at the start or after whitespace, to the end of the line.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(found) = line[from..].find('#') {
        let index = from + found;
        if index == 0 || bytes[index - 1].is_ascii_whitespace() {
            return line[..index].trim();
        }
        from = index + 1;
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

fn parse_line(
    manifest: &mut Manifest,
    file: &SourceFile,
    logical: &LogicalLine<'_>,
    text: &str,
    markers: &mut KnownMarkers,
) {
    let (requirement, options) = split_requirement_and_options(text);
    let at = |needle: &str| file.line_location(logical.line, column(logical.first, needle));
    let table = if requirement.is_empty() {
        LINE_OPTIONS
    } else {
        REQUIREMENT_OPTIONS
    };
    let (parsed, problems) = if only_hashes(requirement, options) {
        // Each would parse as a `--hash`, which is valid here and changes no host.
        (Vec::new(), Vec::new())
    } else {
        parse_options(options, table)
    };
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
        apply_option(manifest, file, &at(&value), option, &value, markers);
    }
    if !requirement.is_empty() {
        let first = first_token(requirement);
        if manifest.needs_index.is_some() && is_plain(first, requirement) {
            // All classify_requirement would do is record a need already recorded, and
            // the package (for run-time downloads).
            if let Some(name) = crate::formats::leading_package_name(requirement) {
                manifest.use_package(name, &at(first));
            }
            return;
        }
        classify_requirement(manifest, file, &at(first), requirement, markers);
    }
}

/// True when the options after a requirement are nothing or `--hash=...` tokens only
/// (pip-compile's output) that [`shell_split`] would return as they are.
fn only_hashes(requirement: &str, options: &str) -> bool {
    !requirement.is_empty()
        && options
            .split_ascii_whitespace()
            .all(|token| token.starts_with("--hash=") && plain_token(token))
}

/// Printable ASCII without quotes or backslashes: [`shell_split`] leaves such a token,
/// separated by ASCII whitespace, as it is. A fold rather than `all` so that it is
/// vectorised.
fn plain_token(token: &str) -> bool {
    token.bytes().fold(true, |plain, byte| {
        plain & byte.is_ascii_graphic() & !matches!(byte, b'\'' | b'"' | b'\\')
    })
}

/// `text.split_whitespace().next().unwrap_or_default()`, reading bytes while they are
/// ASCII (where `char::is_whitespace` is exactly space, `\t`, `\n`, VT, FF and `\r`).
fn first_token(text: &str) -> &str {
    let bytes = text.as_bytes();
    let is_space = |byte: u8| matches!(byte, b' ' | b'\t'..=b'\r');
    let start = bytes
        .iter()
        .position(|&byte| !is_space(byte))
        .unwrap_or(bytes.len());
    let length = bytes[start..]
        .iter()
        .position(|&byte| is_space(byte) || !byte.is_ascii())
        .unwrap_or(bytes.len() - start);
    match bytes.get(start + length) {
        Some(byte) if !byte.is_ascii() => text.split_whitespace().next().unwrap_or_default(),
        _ => &text[start..start + length],
    }
}

/// [`column_of`] without building a substring searcher in the common cases: the needle
/// opens the line (a requirement), or cannot be in it (a value on a continuation line).
/// A needle that starts with a non-whitespace character cannot occur inside the leading
/// whitespace, so the first case is the first occurrence.
fn column(line: &str, needle: &str) -> usize {
    if needle.is_empty() || needle.starts_with(char::is_whitespace) {
        return column_of(line, needle);
    }
    let trimmed = line.trim_start();
    if trimmed.starts_with(needle) {
        return line[..line.len() - trimmed.len()].chars().count() + 1;
    }
    if needle.len() > trimmed.len() {
        return 1;
    }
    column_of(line, needle)
}

fn apply_option(
    manifest: &mut Manifest,
    file: &SourceFile,
    at: &Location,
    option: &str,
    value: &str,
    markers: &mut KnownMarkers,
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
        "--editable" => classify_requirement(manifest, file, at, value, markers),
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
    markers: &mut KnownMarkers,
) {
    let first = first_token(requirement);
    if let Some(name) = crate::formats::leading_package_name(requirement)
        && !remote::has_scheme(first)
        && !remote::looks_local(first)
        && !is_archive_name(first)
    {
        manifest.use_package(name, at);
    }
    if is_plain(first, requirement) {
        need_index(manifest, at);
        return;
    }
    if remote::vcs_of(first).is_some() {
        push_direct(manifest, Kind::Vcs, first, file, at);
        // Building from a checkout fetches the build backend from the index.
        need_index(manifest, at);
        return;
    }
    if remote::has_scheme(first) {
        url_requirement(manifest, file, at, first);
        return;
    }
    if remote::looks_local(first) || is_archive_name(first) {
        if !is_wheel(first) {
            need_index(manifest, at);
        }
        return;
    }
    if markers.known(requirement) {
        need_index(manifest, at);
        return;
    }
    match crate::formats::parse_pep508(requirement) {
        Ok(parsed) => {
            if let Some(pep508_rs::VersionOrUrl::Url(url)) = parsed.version_or_url {
                url_requirement(manifest, file, at, &url.0);
            } else {
                markers.learn(requirement);
                need_index(manifest, at);
            }
        }
        Err(error) => {
            let column = at.column as usize + error.offset;
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
        need_index(manifest, at);
        return;
    }
    let path = url.split(['#', '?']).next().unwrap_or(url);
    if !is_wheel(path) {
        // An sdist or directory is built, and building fetches the backend from the index.
        need_index(manifest, at);
    }
    push_direct(manifest, Kind::Archive, url, file, at);
}

/// The markers of `name[extras] specifiers ; marker` lines that `pep508_rs` accepted
/// earlier in the file. Markers repeat (`; python_version < "3.11"`) and parsing them is
/// most of the cost of such a line. `pep508_rs` reads the part before the first `;` up to
/// it and the marker after it on its own, so when the part before passes
/// [`is_plain_named_requirement`] and the marker text was accepted before, the line is
/// accepted too. A line that is not known this way is parsed in full, so diagnostics
/// are unchanged.
#[derive(Default)]
struct KnownMarkers(HashSet<String>);

impl KnownMarkers {
    fn known(&self, requirement: &str) -> bool {
        requirement.split_once(';').is_some_and(|(named, marker)| {
            self.0.contains(marker) && is_plain_named_requirement(named)
        })
    }

    /// Remembers the marker of a requirement `pep508_rs` accepted without a URL.
    fn learn(&mut self, requirement: &str) {
        if let Some((named, marker)) = requirement.split_once(';')
            && is_plain_named_requirement(named)
            && !self.0.contains(marker)
        {
            self.0.insert(marker.to_string());
        }
    }
}

/// [`Manifest::need_index`], cloning the location only when it is kept (the first time).
fn need_index(manifest: &mut Manifest, at: &Location) {
    if manifest.needs_index.is_none() {
        manifest.need_index(at.clone());
    }
}

/// The common line, `name[extras] specifiers`, that `classify_requirement` only records as
/// needing the index. It has no `+`, `:`, `/`, `\` or `~` and starts with a letter or
/// digit, so it is no VCS URL, URL or path either: the checks in `classify_requirement`
/// would pass it on to `pep508_rs`, which accepts it. `first` is its first token.
fn is_plain(first: &str, requirement: &str) -> bool {
    !is_archive_name(first) && is_plain_named_requirement(requirement)
}

/// A fast path for the common line: true only for `name[extras] specifiers` (no marker,
/// no URL) in a strict subset of PEP 508 that `pep508_rs` accepts as a named requirement
/// without a URL: ASCII names and extras, the operators `==`, `!=`, `<=`, `>=`, `<`, `>`,
/// `~=` (two or more components) and plain numeric versions. Anything else, valid or
/// not, is left to `pep508_rs`, so results and diagnostics are unchanged.
fn is_plain_named_requirement(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut index = 0;
    let skip_space = |index: &mut usize| {
        while *index < bytes.len() && matches!(bytes[*index], b' ' | b'\t') {
            *index += 1;
        }
    };
    // A PEP 508 name (also an extra): alphanumeric at both ends, `._-` inside.
    let name = |index: &mut usize| -> Option<(usize, usize)> {
        let start = *index;
        if !bytes.get(start).is_some_and(u8::is_ascii_alphanumeric) {
            return None;
        }
        while *index < bytes.len()
            && (bytes[*index].is_ascii_alphanumeric()
                || matches!(bytes[*index], b'.' | b'-' | b'_'))
        {
            *index += 1;
        }
        bytes[*index - 1]
            .is_ascii_alphanumeric()
            .then_some((start, *index))
    };
    skip_space(&mut index);
    let Some((name_start, name_end)) = name(&mut index) else {
        return false;
    };
    skip_space(&mut index);
    if bytes.get(index) == Some(&b'[') {
        index += 1;
        loop {
            skip_space(&mut index);
            if name(&mut index).is_none() {
                return false;
            }
            skip_space(&mut index);
            match bytes.get(index) {
                Some(b',') => index += 1,
                Some(b']') => {
                    index += 1;
                    break;
                }
                _ => return false,
            }
        }
        skip_space(&mut index);
    }
    if index == bytes.len() {
        // A bare name that looks like an archive (`foo.tar`) is refused by pep508_rs.
        return !bytes[name_start..name_end].contains(&b'.');
    }
    loop {
        let operator = &bytes[index..bytes.len().min(index + 2)];
        let compatible = operator == b"~=";
        index += match operator {
            b"==" | b"!=" | b"<=" | b">=" | b"~=" => 2,
            [b'<' | b'>', ..] => 1,
            _ => return false,
        };
        skip_space(&mut index);
        // Numeric release segments, each short enough never to overflow.
        let mut segments = 0;
        loop {
            let start = index;
            while index < bytes.len() && bytes[index].is_ascii_digit() {
                index += 1;
            }
            if index == start || index - start > 9 {
                return false;
            }
            segments += 1;
            if bytes.get(index) == Some(&b'.') {
                index += 1;
            } else {
                break;
            }
        }
        if compatible && segments < 2 {
            return false;
        }
        skip_space(&mut index);
        match bytes.get(index) {
            None => return true,
            Some(b',') => {
                index += 1;
                skip_space(&mut index);
            }
            Some(_) => return false,
        }
    }
}

fn is_wheel(text: &str) -> bool {
    Path::new(text)
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("whl"))
}

fn is_archive_name(text: &str) -> bool {
    [".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz"]
        .iter()
        .any(|extension| {
            text.len() >= extension.len()
                && text.as_bytes()[text.len() - extension.len()..]
                    .eq_ignore_ascii_case(extension.as_bytes())
        })
}

/// pip's `break_args_options`: the requirement is every space-separated token before the
/// first one starting with `-` (trimmed), the options are that token and the rest.
fn split_requirement_and_options(line: &str) -> (&str, &str) {
    let mut offset = 0;
    for token in line.split(' ') {
        if token.starts_with('-') {
            // `line[..offset]` is the tokens before, joined by their spaces, plus one.
            return (line[..offset].trim(), &line[offset..]);
        }
        offset += token.len() + 1;
    }
    (line.trim(), "")
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
pub(crate) fn shell_split(text: &str) -> Vec<String> {
    if !text
        .bytes()
        .any(|byte| matches!(byte, b'\'' | b'"' | b'\\' | 0x0b | 0x80..))
    {
        // ASCII, nothing quoted or escaped (`--hash=...`): only whitespace separates, and
        // without a vertical tab ASCII whitespace is exactly `char::is_whitespace`.
        return text.split_ascii_whitespace().map(str::to_string).collect();
    }
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
            .map(|line| (line.line, line.text.into_owned()))
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
            ("foo >= 1", "--hash=sha256:abc")
        );
        assert_eq!(
            split_requirement_and_options("-r other.txt"),
            ("", "-r other.txt")
        );
    }

    /// Pieces of near-requirements for the fast-path check.
    #[rustfmt::skip]
    const TOKENS: &[&str] = &[
        "a", "Z", "9", "numpy", "zope.interface", "x-", ".", "_", "-", "[", "]", ",", " ",
        "\t", "==", "!=", "<=", ">=", "<", ">", "~=", "===", "=", "~", "!", "1", "1.0", "10",
        "2.3.4", ".*", "*", "+local", ";", "@", "(", ")", "rc1", "v", "\u{a0}", "\u{e9}",
        "9999999999", ".tar", ".whl", "#",
    ];

    fn pep508_named(text: &str) -> bool {
        matches!(
            crate::formats::parse_pep508(text),
            Ok(parsed) if !matches!(parsed.version_or_url, Some(pep508_rs::VersionOrUrl::Url(_)))
        )
    }

    #[test]
    fn the_fast_path_takes_only_what_pep508_accepts() {
        for text in [
            "numpy",
            "numpy==1.26.4",
            "requests[socks,security]>=2.31,<3",
            "a >= 1 , < 2",
            "zope.interface==5",
            "x~=1.0",
            "Foo_Bar-baz [ a , b.c ] != 1.0",
            "a<1,>0,<=2,>=0,!=1.5",
        ] {
            assert!(is_plain_named_requirement(text), "{text}");
            assert!(pep508_named(text), "{text}");
        }
        // Left to pep508_rs, valid or not.
        for text in [
            "foo.tar",
            "zope.interface",
            "numpy==1.0.*",
            "numpy>=1.0; python_version < '3'",
            "numpy @ https://example.com/x.whl",
            "torch==2.3.1+cu121",
            "numpy==1.0rc1",
            "x~=1",
            "a-",
            "a[]",
            "a[b-]",
            "a>=1,",
            "a===1.0",
            "a==12345678901",
            "a (>=1)",
            "a>=1 b",
            "caf\u{e9}==1",
            "a==\u{a0}1",
        ] {
            assert!(!is_plain_named_requirement(text), "{text}");
        }
        // Random near-requirements: whatever the fast path takes, pep508_rs accepts as a
        // named requirement without a URL.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % bound as u64).expect("small")
        };
        let mut taken = 0;
        for _ in 0..200_000 {
            let mut text = String::new();
            for _ in 0..=next(9) {
                text.push_str(TOKENS[next(TOKENS.len())]);
            }
            if is_plain_named_requirement(&text) {
                taken += 1;
                assert!(pep508_named(&text), "{text:?}");
            }
        }
        assert!(
            taken > 1_000,
            "only {taken} taken: the test explores too little"
        );
    }

    #[test]
    fn first_tokens_match_split_whitespace() {
        for text in [
            "",
            " ",
            "a",
            "  numpy==1 ; x",
            "\tx\u{b}y",
            "\u{a0}a b",
            "a\u{a0}b c",
            "\u{e9}t\u{e9} x",
            "x\u{2003}",
            "\r\n",
            "--hash=sha256:ab  c",
        ] {
            assert_eq!(
                first_token(text),
                text.split_whitespace().next().unwrap_or_default(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn plain_shell_split_matches_the_full_one() {
        assert_eq!(shell_split(" a\t b\u{b}c  "), ["a", "b", "c"]);
        assert_eq!(shell_split("a\u{a0}b 'c d'"), ["a", "b", "c d"]);
        assert_eq!(
            shell_split("--hash=sha256:ab  --hash=md5:cd"),
            ["--hash=sha256:ab", "--hash=md5:cd"]
        );
    }

    #[test]
    fn columns_match_column_of() {
        for (line, needle) in [
            ("  numpy==1", "numpy==1"),
            ("numpy==1 \\", "numpy==1"),
            ("\u{e9}\u{e9} a a", "a"),
            ("x", "sha256:0123456789"),
            ("  -r  other.txt", "other.txt"),
            ("a", ""),
            ("\u{a0}\u{a0}b", "b"),
        ] {
            assert_eq!(
                column(line, needle),
                column_of(line, needle),
                "{line:?} {needle:?}"
            );
        }
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
            assert!(format.matches(&Candidate::new(Path::new(path))), "{path}");
        }
        for path in ["notes.txt", "requirements.md", "reqs/base.txt"] {
            assert!(!format.matches(&Candidate::new(Path::new(path))), "{path}");
        }
    }
}
