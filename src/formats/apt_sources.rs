//! apt source lists in the repository (often copied into images): `sources.list`,
//! `*.list` in a `sources.list.d/` directory (one-line `deb [options] URI suite
//! [component…]` and `deb-src` lines) and deb822 `*.sources` files (`Types:`, `URIs:`,
//! `Enabled:`). Every archive URI is an operating-system package host, on the port its
//! scheme implies (plain `http://`, the usual way apt is configured since packages are
//! signed, is port 80). `mirror+http(s)://` names a mirror list whose archive hosts are
//! chosen at run time; `file:`, `cdrom:`, `copy:` and `mirror+file:` are local.

use std::path::Path;

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::{
    Candidate, ParseContext, column_of, expand_variables, file_name, push_direct_in,
};
use crate::model::{Ecosystem, Installer, Kind, Manifest, Role};
use crate::source::{Location, SourceFile};

pub struct AptSources;

pub const NAME: &str = "os/apt-sources";

impl super::Format for AptSources {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "apt sources"
    }

    fn files(&self) -> &'static str {
        "`sources.list`, `*.list` in a `sources.list.d/` directory, deb822 `*.sources`"
    }

    fn reads(&self) -> &'static str {
        "`deb` and `deb-src` lines (`[options]` skipped) and deb822 `URIs:` (stanzas with `Enabled: no` skipped): each archive host, `http://` on port 80; `mirror+http(s)://` lists (the list's host; the mirrors it names are chosen at run time); `file:`, `cdrom:`, `copy:`, `mirror+file:` are local"
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        let extension = candidate.extension().unwrap_or_default();
        candidate.lower_name() == "sources.list"
            || extension == "sources"
            || (extension == "list" && candidate.directory().as_deref() == Some("sources.list.d"))
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Apt, Role::Install);
        if extension(&file_name(Path::new(&file.path))) == "sources" {
            deb822(file, context, &mut manifest);
        } else {
            one_line(file, context, &mut manifest);
        }
        manifest
    }
}

/// One-line style: `deb [ options ] uri suite [component...]`.
fn one_line(file: &SourceFile, context: &ParseContext, manifest: &mut Manifest) {
    for (index, raw_line) in file.text.lines().enumerate() {
        let line = raw_line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let at = |needle: &str| file.line_location(index + 1, column_of(raw_line, needle));
        let (kind, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        if kind != "deb" && kind != "deb-src" {
            syntax(
                manifest,
                file,
                at(kind),
                "a source line starts with `deb` or `deb-src`",
            );
            continue;
        }
        let mut rest = rest.trim_start();
        if rest.starts_with('[') {
            let Some(end) = rest.find(']') else {
                syntax(manifest, file, at("["), "the `[options]` are never closed");
                continue;
            };
            rest = rest[end + 1..].trim_start();
        }
        let words: Vec<&str> = rest.split_whitespace().collect();
        match words.as_slice() {
            [uri, _suite, ..] => archive(uri, at(uri), file, context, manifest),
            _ => syntax(
                manifest,
                file,
                at(kind),
                "a source line needs a URI and a suite after `deb`",
            ),
        }
    }
}

/// deb822 style: stanzas of `Field: value` lines (continuation lines start with
/// whitespace) separated by blank lines.
fn deb822(file: &SourceFile, context: &ParseContext, manifest: &mut Manifest) {
    let mut stanza = Stanza::default();
    let mut field: Option<String> = None;
    for (index, raw_line) in file.text.lines().enumerate() {
        if raw_line.trim().is_empty() {
            stanza.finish(file, context, manifest);
            field = None;
            continue;
        }
        if raw_line.starts_with('#') {
            continue;
        }
        let line_number = index + 1;
        if raw_line.starts_with([' ', '\t']) {
            // A continuation: more URIs, or the lines of an inline `Signed-By` key.
            if field.as_deref() == Some("uris") {
                stanza.add_uris(raw_line, line_number);
            }
            continue;
        }
        let Some((name, value)) = raw_line.split_once(':') else {
            syntax(
                manifest,
                file,
                file.line_location(line_number, 1),
                "a deb822 line is `Field: value`",
            );
            field = None;
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        if stanza.start.is_none() {
            stanza.start = Some(file.line_location(line_number, 1));
        }
        match &*name {
            "uris" => stanza.add_uris(raw_line, line_number),
            "enabled" => stanza.disabled = value.trim().eq_ignore_ascii_case("no"),
            "types" => stanza.has_types = true,
            _ => {}
        }
        field = Some(name);
    }
    stanza.finish(file, context, manifest);
}

#[derive(Default)]
struct Stanza {
    start: Option<Location>,
    /// Each URI with its line and column.
    uris: Vec<(String, usize, usize)>,
    /// `Enabled: no`.
    disabled: bool,
    has_types: bool,
}

impl Stanza {
    fn add_uris(&mut self, raw_line: &str, line: usize) {
        let value = raw_line
            .split_once(':')
            .filter(|(name, _)| name.trim().eq_ignore_ascii_case("uris"))
            .map_or(raw_line, |(_, value)| value);
        let offset = raw_line.len() - value.len();
        let mut search = 0;
        for word in value.split_whitespace() {
            let position = value[search..].find(word).map_or(0, |p| p + search);
            search = position + word.len();
            let column = raw_line[..offset + position].chars().count() + 1;
            self.uris.push((word.to_string(), line, column));
        }
    }

    fn finish(&mut self, file: &SourceFile, context: &ParseContext, manifest: &mut Manifest) {
        let stanza = std::mem::take(self);
        let Some(start) = stanza.start else {
            return;
        };
        if stanza.disabled {
            return;
        }
        if stanza.uris.is_empty() {
            syntax(manifest, file, start, "a deb822 stanza without `URIs:`");
            return;
        }
        if !stanza.has_types {
            syntax(
                manifest,
                file,
                start.clone(),
                "a deb822 stanza without `Types:`; apt skips it",
            );
            return;
        }
        for (uri, line, column) in stanza.uris {
            archive(
                &uri,
                file.line_location(line, column),
                file,
                context,
                manifest,
            );
        }
    }
}

/// One archive URI.
fn archive(
    uri: &str,
    at: Location,
    file: &SourceFile,
    context: &ParseContext,
    manifest: &mut Manifest,
) {
    let uri = expand_variables(uri, context);
    let lower = uri.to_ascii_lowercase();
    if ["file:", "cdrom:", "copy:", "mirror+file:", "mirror+copy:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
    {
        return;
    }
    let list = lower.strip_prefix("mirror+").is_some() || lower.starts_with("mirror://");
    let target = if let Some(rest) = uri.strip_prefix("mirror+") {
        rest.to_string()
    } else if let Some(rest) = uri.strip_prefix("mirror://") {
        format!("http://{rest}")
    } else {
        uri.clone()
    };
    push_direct_in(
        manifest,
        Ecosystem::Os,
        Kind::OsPackages,
        &target,
        file,
        &at,
    );
    if list {
        manifest.diagnostics.push(
            Diagnostic::at(
                Code::MirrorList,
                file,
                at,
                format!("`{uri}` is a mirror list: its host is reported, the archive hosts it names are chosen at run time"),
            )
            .with_help("allow the hosts the list names too, or name one archive instead of a list"),
        );
    }
}

fn syntax(manifest: &mut Manifest, file: &SourceFile, at: Location, message: &str) {
    manifest.diagnostics.push(
        Diagnostic::at(Code::SyntaxError, file, at, message)
            .with_help("this entry is skipped; the rest of the file is still read"),
    );
}

/// The extension of a (lower-cased) file name.
fn extension(name: &str) -> &str {
    Path::new(name)
        .extension()
        .and_then(|extension| extension.to_str())
        .unwrap_or_default()
}
