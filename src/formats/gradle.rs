//! Gradle build scripts in Groovy or Kotlin (`build.gradle(.kts)`, `settings.gradle(.kts)`),
//! read by a careful scanner rather than a parser (scripts are programs; pkgallow never
//! runs them). Comments are blanked first, keeping string literals and positions, so a
//! repository in a comment never counts. Recognised: `mavenCentral()`, `google()`,
//! `gradlePluginPortal()`, `jcenter()`, `mavenLocal()` (local), `maven("URL")`,
//! `maven { url = uri("URL") }` and its spellings (`url "URL"`, `url = "URL"`,
//! `setUrl("URL")`), and `ivy { url … }`. Gradle has no default repository for
//! dependencies, so only declared repositories are reported; plugins applied with a
//! version (`plugins { id("x") version "1" }`) come from the Gradle Plugin Portal unless
//! `pluginManagement { repositories { … } }` in the settings script replaces it. A
//! settings script governs the build scripts in its directory tree (the nearest wins).
//! `publishing { repositories { … } }` is an upload target and is not reported.

use std::path::Path;

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::{Candidate, ParseContext, declared, file_name, warn_plain_http};
use crate::model::{Installer, Manifest, Role};
use crate::source::SourceFile;

pub struct Gradle;

pub const NAME: &str = "java/gradle";

/// Repository shortcuts and the URLs Gradle gives them.
const SHORTCUTS: [(&str, Option<&str>); 5] = [
    (
        "mavenCentral",
        Some("https://repo.maven.apache.org/maven2/"),
    ),
    ("google", Some("https://dl.google.com/dl/android/maven2/")),
    ("gradlePluginPortal", Some("https://plugins.gradle.org/m2/")),
    ("jcenter", Some("https://jcenter.bintray.com/")),
    ("mavenLocal", None),
];

impl super::Format for Gradle {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Gradle builds"
    }

    fn files(&self) -> &'static str {
        "`build.gradle`, `build.gradle.kts`, `settings.gradle`, `settings.gradle.kts`"
    }

    fn reads(&self) -> &'static str {
        "repositories outside comments: `mavenCentral()`, `google()` (dl.google.com), `gradlePluginPortal()`, `jcenter()`, `maven(\"URL\")`, `maven { url = uri(\"URL\") }` and its spellings, `ivy { url … }`; `publishing` repositories (uploads) are not reported; no repository is implied for dependencies; `plugins { id … version … }` needs the Gradle Plugin Portal unless the settings script's `pluginManagement` repositories replace it (settings scripts govern the builds in their tree)"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        matches!(
            candidate.lower_name(),
            "build.gradle" | "build.gradle.kts" | "settings.gradle" | "settings.gradle.kts"
        )
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        let settings = file_name(Path::new(&file.path)).starts_with("settings.");
        let role = if settings {
            Role::Config
        } else {
            Role::Install
        };
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Gradle, role);
        let code = without_comments(&file.text);
        let plugin_management = blocks(&code, "pluginManagement");
        // `publishing { repositories { … } }` is where `gradle publish` uploads, not an
        // install source (like Maven's distributionManagement).
        let publishing = blocks(&code, "publishing");
        for (offset, url) in repositories(&code, file, &publishing, &mut manifest.diagnostics) {
            let at = file.location(offset);
            let Some(url) = url else {
                continue;
            };
            let declared = declared(&url, file, &at, &mut manifest.diagnostics);
            warn_plain_http(&mut manifest, &declared, file);
            let in_plugin_management = plugin_management
                .iter()
                .any(|range| range.contains(&offset));
            if in_plugin_management && manifest.options.index_url.is_none() {
                manifest.options.index_url = Some(declared);
            } else {
                manifest.options.extra_index_urls.push(declared);
            }
        }
        for range in blocks(&code, "plugins") {
            if let Some(position) = code[range.clone()]
                .lines()
                .scan(range.start, |offset, line| {
                    let start = *offset;
                    *offset += line.len() + 1;
                    Some((start, line))
                })
                .find(|(_, line)| {
                    (has_word(line, "id") || has_word(line, "kotlin")) && has_word(line, "version")
                })
                .map(|(start, line)| start + line.len() - line.trim_start().len())
            {
                manifest.need_index(file.location(position));
            }
        }
        manifest
    }
}

/// Every repository declaration: its offset and URL (`None` for local ones and URLs
/// that are not literals, which are reported).
fn repositories(
    code: &str,
    file: &SourceFile,
    skip: &[std::ops::Range<usize>],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(usize, Option<String>)> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    let mut index = 0;
    while index < code.len() {
        // A repository named inside a string literal is text, not a declaration.
        if matches!(bytes[index], b'"' | b'\'') {
            index = string_end(bytes, index) + 1;
            continue;
        }
        if let Some(range) = skip.iter().find(|range| range.contains(&index)) {
            index = range.end;
            continue;
        }
        let Some((word, end)) = identifier_at(code, index) else {
            index += code[index..].chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let after = skip_spaces(code, end);
        let next = bytes.get(after).copied();
        if let Some((_, url)) = SHORTCUTS.iter().find(|(name, _)| *name == word)
            && next == Some(b'(')
        {
            found.push((index, url.map(str::to_string)));
        } else if (word == "maven" || word == "ivy") && matches!(next, Some(b'(' | b'{')) {
            let close = matching(code, after).unwrap_or(code.len());
            let body = &code[after + 1..close.min(code.len())];
            let literal = if next == Some(b'(') {
                first_string(body)
            } else {
                url_in_block(body)
            };
            match literal {
                Some((relative, text)) if text.contains('$') => {
                    diagnostics.push(
                        Diagnostic::at(
                            Code::UnresolvedBuildProperty,
                            file,
                            file.location(after + 1 + relative),
                            format!("the repository URL `{text}` is built from a variable, so its host is unknown"),
                        )
                        .with_help("write the URL as a literal, or add its host to the rules by hand"),
                    );
                    found.push((index, None));
                }
                Some((_, text)) => found.push((index, Some(text))),
                None => {
                    if body.contains("url") || body.contains("Url") || next == Some(b'(') {
                        diagnostics.push(
                            Diagnostic::at(
                                Code::UnresolvedBuildProperty,
                                file,
                                file.location(index),
                                format!("the URL of this `{word}` repository is not a string literal, so its host is unknown"),
                            )
                            .with_help("write the URL as a literal, or add its host to the rules by hand"),
                        );
                    }
                    found.push((index, None));
                }
            }
            index = after + 1;
            continue;
        }
        index = end;
    }
    found
}

/// The URL literal of a `maven { … }` block: the first string after `url`/`setUrl`.
fn url_in_block(body: &str) -> Option<(usize, String)> {
    let mut index = 0;
    while index < body.len() {
        match identifier_at(body, index) {
            Some((word, end)) if word == "url" || word == "setUrl" => {
                let rest = &body[end..];
                let line_end = rest.find('\n').unwrap_or(rest.len());
                return first_string(&rest[..line_end]).map(|(offset, text)| (end + offset, text));
            }
            Some((_, end)) => index = end,
            None => index += body[index..].chars().next().map_or(1, char::len_utf8),
        }
    }
    None
}

/// The first string literal in `text`: its offset and contents.
fn first_string(text: &str) -> Option<(usize, String)> {
    let start = text.find(['"', '\''])?;
    let quote = text.as_bytes()[start];
    let rest = &text[start + 1..];
    let end = rest.find(quote as char)?;
    Some((start + 1, rest[..end].to_string()))
}

/// The byte ranges of the bodies of `name { … }` blocks.
fn blocks(code: &str, name: &str) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut index = 0;
    while index < code.len() {
        if matches!(code.as_bytes()[index], b'"' | b'\'') {
            index = string_end(code.as_bytes(), index) + 1;
            continue;
        }
        match identifier_at(code, index) {
            Some((word, end)) => {
                let after = skip_spaces(code, end);
                if word == name && code.as_bytes().get(after) == Some(&b'{') {
                    let close = matching(code, after).unwrap_or(code.len());
                    ranges.push(after..close);
                }
                index = end;
            }
            None => index += code[index..].chars().next().map_or(1, char::len_utf8),
        }
    }
    ranges
}

/// The identifier starting at `index` (not in the middle of another one) and its end.
fn identifier_at(code: &str, index: usize) -> Option<(&str, usize)> {
    let is_part = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = code.as_bytes();
    if !bytes
        .get(index)
        .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_')
    {
        return None;
    }
    if index > 0 && is_part(bytes[index - 1]) {
        return None;
    }
    let end = (index..bytes.len())
        .find(|&i| !is_part(bytes[i]))
        .unwrap_or(bytes.len());
    Some((&code[index..end], end))
}

fn skip_spaces(code: &str, index: usize) -> usize {
    code[index..]
        .find(|c: char| !matches!(c, ' ' | '\t'))
        .map_or(code.len(), |offset| index + offset)
}

fn has_word(line: &str, word: &str) -> bool {
    line.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|part| part == word)
}

/// The offset of the bracket closing the one at `open`, skipping string literals.
fn matching(code: &str, open: usize) -> Option<usize> {
    let bytes = code.as_bytes();
    let (opening, closing) = match bytes.get(open)? {
        b'(' => (b'(', b')'),
        _ => (b'{', b'}'),
    };
    let mut depth = 0usize;
    let mut index = open;
    while index < bytes.len() {
        match bytes[index] {
            b'"' | b'\'' => index = string_end(bytes, index),
            b if b == opening => depth += 1,
            b if b == closing => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(index);
                }
            }
            _ => {}
        }
        index += 1;
    }
    None
}

/// The offset of the quote closing the string literal that starts at `start` (triple
/// quotes included), or the end of the text.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let triple = bytes.get(start..start + 3) == Some(&[quote, quote, quote][..]);
    let mut index = start + if triple { 3 } else { 1 };
    while index < bytes.len() {
        if bytes[index] == b'\\' {
            index += 2;
            continue;
        }
        if bytes[index] == quote {
            if !triple {
                return index;
            }
            if bytes.get(index..index + 3) == Some(&[quote, quote, quote][..]) {
                return index + 2;
            }
        }
        if bytes[index] == b'\n' && !triple {
            return index;
        }
        index += 1;
    }
    bytes.len().saturating_sub(1)
}

/// The text with `//` and `/* */` comments replaced by spaces (newlines kept), so that
/// offsets still point into the original.
pub(crate) fn without_comments(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'"' | b'\'' => index = string_end(bytes, index) + 1,
            b'/' if bytes.get(index + 1) == Some(&b'/') => {
                while index < bytes.len() && bytes[index] != b'\n' {
                    out[index] = b' ';
                    index += 1;
                }
            }
            b'/' if bytes.get(index + 1) == Some(&b'*') => {
                let end = text[index + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |offset| index + 2 + offset + 2);
                for byte in &mut out[index..end] {
                    if *byte != b'\n' {
                        *byte = b' ';
                    }
                }
                index = end;
            }
            _ => index += 1,
        }
    }
    // Only ASCII bytes were replaced, by ASCII spaces: still valid UTF-8, but never
    // panic on it.
    String::from_utf8(out)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}
