//! Jupyter notebooks (`*.ipynb`): the shell commands of code cells (`!…` and the `%pip`,
//! `%conda`, `%mamba`, `%uv` magics) read by the shared shell reader (`formats::shell`):
//! pip installs as pip reads its command line, conda channels, apt on the compute
//! instance's Ubuntu, npm, and `wget`/`curl`/`git clone` downloads. A notebook is a pip
//! unit of its own, like a requirements file: `-i` replaces the default index for the notebook, `--extra-index-url` adds,
//! `-r file` is followed relative to the notebook, and the repository's `pip.conf` applies.
//!
//! Evidence points at the line of the `.ipynb` file itself (nbformat writes each source
//! line as its own JSON string), so editors jump to the right cell. Only code cells count;
//! markdown cells and outputs never do. The notebook is never executed.
//!
//! How: the install arguments of every command become lines of a synthetic requirements
//! file (`-i URL`, `name>=1`, …) with a map back to the notebook's lines, and the
//! requirements parser reads it, so both formats share one set of rules.

use std::borrow::Cow;

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::embedded_requirements::Embedded;
use crate::formats::python_calls;
use crate::formats::python_source::runtime_use;
use crate::formats::{ParseContext, shell};
use crate::model::{Ecosystem, Manifest, Role, RuntimeUse};
use crate::source::{Location, SourceFile};
use serde_json::value::RawValue;

pub struct JupyterNotebook;

pub const NAME: &str = "python/jupyter-notebook";

impl super::Format for JupyterNotebook {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Jupyter notebooks"
    }

    fn files(&self) -> &'static str {
        r"`*.ipynb`"
    }

    fn reads(&self) -> &'static str {
        r"`%pip install`, `!pip install`, `!python -m pip install`, `!uv pip install` in code cells, read as pip's command line (`-i`, `--extra-index-url`, `-f`, `-r` relative to the notebook, `-e`, requirements, URLs); `%conda install` / `!conda install` channels; `!apt-get install` (a compute instance runs Ubuntu); `!npm install`; `!git clone`; evidence is the line in the `.ipynb` file; markdown cells never count. Code cells are also read for run-time downloads as Python source is, with `%env NAME=VALUE` settings, `!wget`/`!curl` URLs, `!python -m spacy download`, and `%%writefile *.py` cells"
    }

    fn matches(&self, candidate: &super::Candidate<'_>) -> bool {
        candidate.extension() == Some("ipynb")
    }

    fn parse(&self, file: &SourceFile, context: &ParseContext) -> Manifest {
        parse(file, context)
    }
}

/// pip options that take a value on the command line, in either spelling. Those that
/// change where packages come from are kept for the requirements parser; the others
/// (and every flag) are dropped, since they change no host.
const KEPT_WITH_VALUE: &[(&str, Option<&str>)] = &[
    ("--index-url", Some("-i")),
    ("--extra-index-url", None),
    ("--find-links", Some("-f")),
    ("--trusted-host", None),
    ("--requirement", Some("-r")),
    ("--constraint", Some("-c")),
    ("--editable", Some("-e")),
];

const DROPPED_WITH_VALUE: &[(&str, Option<&str>)] = &[
    ("--target", Some("-t")),
    ("--prefix", None),
    ("--root", None),
    ("--src", None),
    ("--python-version", None),
    ("--platform", None),
    ("--implementation", None),
    ("--abi", None),
    ("--only-binary", None),
    ("--no-binary", None),
    ("--progress-bar", None),
    ("--cache-dir", None),
    ("--log", None),
    ("--timeout", None),
    ("--retries", None),
    ("--upgrade-strategy", None),
    ("--report", None),
    ("--proxy", None),
    ("--cert", None),
    ("--client-cert", None),
    ("--exists-action", None),
    ("--global-option", None),
    ("--config-settings", Some("-C")),
    ("--use-feature", None),
    ("--python", None),
];

pub fn parse(file: &SourceFile, context: &ParseContext) -> Manifest {
    // Typed, so that outputs and metadata are skipped rather than built into values: a
    // notebook is mostly outputs, and this is most of a corpus scan's time.
    let notebook: Notebook = match serde_json::from_str(&file.text) {
        Ok(notebook) => notebook,
        Err(error) => {
            let mut manifest = Manifest::new(
                &file.path,
                NAME,
                crate::model::Installer::Pip,
                Role::Install,
            );
            manifest.diagnostics.push(Diagnostic::at(
                Code::SyntaxError,
                file,
                file.line_location(error.line().max(1), error.column().max(1)),
                format!("not a valid notebook (JSON): {error}"),
            ));
            return manifest;
        }
    };
    let mut manifest = Manifest::new(
        &file.path,
        NAME,
        crate::model::Installer::Pip,
        Role::Install,
    );
    let mut embedded = Embedded::default();
    let mut runtime = Vec::new();
    let cells = notebook.cells.iter().chain(
        notebook
            .worksheets
            .iter()
            .flat_map(|sheet| sheet.cells.iter()),
    );
    let mut cursor = 0;
    let locator = Locator::new(&file.text);
    for cell in cells {
        if cell.cell_type.as_deref().is_some_and(|kind| kind != "code") {
            continue;
        }
        let lines = cell.lines(file, &mut cursor);
        // Only `!` and `%` lines run a command; the other cells are only read for
        // run-time downloads.
        if lines
            .iter()
            .any(|line| line.text.trim_start().starts_with(['!', '%']))
        {
            // Only the lines of logical lines that start as a command are located and
            // kept: the Python around them is read below.
            let mut located: Vec<(String, usize, usize)> = Vec::new();
            let (mut continued, mut command) = (false, false);
            for line in &lines {
                if !continued {
                    command = line.text.trim_start().starts_with(['!', '%']);
                }
                if command {
                    let (number, column) = line_and_column(&locator, line.offset);
                    located.push((line.text.to_string(), number, column));
                }
                continued = line.text.trim_end().ends_with('\\');
            }
            for Logical { text, segments } in join_continuations(&located) {
                let Some((start, command)) = shell_command(&text) else {
                    continue;
                };
                let place = shell::Place {
                    text: &text,
                    segments: &segments,
                };
                for (offset, part) in shell::split_commands(command) {
                    shell::command(
                        &mut manifest,
                        &mut embedded,
                        file,
                        place,
                        (start + offset, part),
                        shell::Context {
                            // A compute instance runs Ubuntu.
                            os: Some(shell::Os::Ubuntu),
                            downloads: Ecosystem::Python,
                            // `!wget`/`!curl` run when the notebook runs: run-time downloads,
                            // read by `cell_runtime` below.
                            fetch_urls: false,
                        },
                    );
                }
            }
        }
        cell_runtime(file, &locator, &lines, &mut runtime);
    }
    if !embedded.is_empty() {
        let pip = embedded.parse(file, context);
        manifest.options = pip.options;
        manifest.needs_index = pip.needs_index;
        manifest.includes = pip.includes;
        manifest.direct.extend(pip.direct);
        manifest.diagnostics.extend(pip.diagnostics);
        manifest.packages.extend(pip.packages);
    }
    manifest.runtime = runtime;
    manifest
}

/// Cell magics whose body is still Python.
const PYTHON_CELL_MAGICS: &[&str] = &["%%capture", "%%time", "%%timeit", "%%prun"];

/// Run-time downloads of one code cell: its Python (magic and shell lines blanked so
/// that line numbers hold) read by [`python_calls`], plus `%env NAME=VALUE` settings
/// and the URLs of `!wget`/`!curl` lines and `!python -m spacy download` models.
/// `%%writefile x.py` cells count too: the script they write runs later.
fn cell_runtime(
    file: &SourceFile,
    locator: &Locator<'_>,
    lines: &[Line<'_>],
    out: &mut Vec<RuntimeUse>,
) {
    // The place of a line's text in the file, `extra` bytes of the line further.
    let at = |line: &Line<'_>, extra: usize| {
        let (number, column) = line_and_column(locator, line.offset);
        Location::new(
            file.path.clone(),
            u32::try_from(number).unwrap_or(u32::MAX),
            u32::try_from(column + extra).unwrap_or(u32::MAX),
        )
    };
    let mut skip = 0;
    if let Some(first) = lines.first() {
        let magic = first.text.split_whitespace().next().unwrap_or("");
        if magic.starts_with("%%") {
            let writes_python = magic == "%%writefile"
                && first.text.split_whitespace().last().is_some_and(|name| {
                    std::path::Path::new(name)
                        .extension()
                        .is_some_and(|extension| extension.eq_ignore_ascii_case("py"))
                });
            if !(writes_python || PYTHON_CELL_MAGICS.contains(&magic)) {
                return;
            }
            skip = 1;
        }
    }
    let mut code = String::with_capacity(lines.iter().map(|line| line.text.len() + 1).sum());
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.text.trim_start();
        if index < skip || trimmed.starts_with(['%', '!']) {
            if index >= skip {
                shell_line(trimmed, &at(line, 0), out);
            }
            code.push('\n');
        } else {
            code.push_str(&line.text);
            code.push('\n');
        }
    }
    for (found, row, column) in python_calls::scan(&code).found {
        let Some(line) = lines.get(row) else {
            continue;
        };
        out.push(runtime_use(found, at(line, column)));
    }
}

/// `%env NAME=VALUE`, `%set_env NAME VALUE`, `!wget URL`, `!curl URL`,
/// `!python -m spacy download MODEL`.
fn shell_line(line: &str, at: &Location, out: &mut Vec<RuntimeUse>) {
    let mut words = line.split_whitespace();
    let command = words.next().unwrap_or("");
    if command == "%env" || command == "%set_env" {
        let rest: Vec<&str> = words.collect();
        let (name, value) = match rest.as_slice() {
            [pair] => match pair.split_once('=') {
                Some((name, value)) => (name, value),
                None => return,
            },
            [name, value, ..] => (*name, value.trim_start_matches('=')),
            [] => return,
        };
        out.push(RuntimeUse::Setting {
            name: name.trim().to_string(),
            value: value.trim_matches(['"', '\'']).to_string(),
            at: at.clone(),
        });
        return;
    }
    let words: Vec<&str> = line.trim_start_matches('!').split_whitespace().collect();
    if let Some(position) = words
        .windows(2)
        .position(|pair| pair == ["spacy", "download"])
    {
        let model = words
            .get(position + 2)
            .map(|model| format!("spaCy model {model}"));
        out.push(RuntimeUse::Library {
            library: python_calls::SPACY,
            fetches: model,
            at: at.clone(),
        });
        return;
    }
    if words.iter().any(|word| *word == "wget" || *word == "curl") {
        for word in &words {
            let candidate = word.trim_matches(['"', '\'']);
            if (candidate.starts_with("http://") || candidate.starts_with("https://"))
                && let Ok(remote) = crate::remote::parse(candidate)
                && !python_calls::is_placeholder_host(&remote.host)
            {
                out.push(RuntimeUse::Url {
                    remote,
                    fetches: crate::redact::text(candidate),
                    at: at.clone(),
                });
            }
        }
    }
}

/// The parts of nbformat 4 (`cells`) and 3 (`worksheets[].cells`) that can install.
/// Typed and borrowed from the file text, so that outputs and metadata are skipped rather
/// than built into values.
#[derive(serde::Deserialize)]
struct Notebook<'a> {
    #[serde(default, borrow)]
    cells: Vec<Cell<'a>>,
    #[serde(default, borrow)]
    worksheets: Vec<Worksheet<'a>>,
}

#[derive(serde::Deserialize)]
struct Worksheet<'a> {
    #[serde(default, borrow)]
    cells: Vec<Cell<'a>>,
}

#[derive(serde::Deserialize)]
struct Cell<'a> {
    #[serde(default, borrow)]
    cell_type: Option<Cow<'a, str>>,
    /// nbformat 4 writes `source`, nbformat 3 code cells `input`: a list of lines or one
    /// string.
    #[serde(default, alias = "input", borrow)]
    source: Option<Source<'a>>,
}

/// A cell's source: its lines kept raw, because where each line sits in the file is where
/// its JSON string sits, which only the raw text tells; or one string.
enum Source<'a> {
    Lines(Vec<&'a RawValue>),
    Text(String),
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Source<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // By hand: an untagged enum would buffer every cell before trying each shape.
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Source<'de>;

            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("a string or a list of strings")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Source<'de>, E> {
                Ok(Source::Text(text.to_string()))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Source<'de>, A::Error> {
                let mut lines = Vec::new();
                while let Some(line) = seq.next_element::<&'de RawValue>()? {
                    lines.push(line);
                }
                Ok(Source::Lines(lines))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A source line of a code cell without its line ending, and the byte offset of its JSON
/// string in the file (see [`line_and_column`]). Borrowed from the file when it has no escapes but
/// its `\n`, which is most lines.
struct Line<'a> {
    text: Cow<'a, str>,
    offset: usize,
}

impl<'a> Cell<'a> {
    /// The source lines. `cursor` is a byte offset of the file at or before this cell,
    /// moved past it.
    fn lines(&self, file: &SourceFile, cursor: &mut usize) -> Vec<Line<'a>> {
        match &self.source {
            Some(Source::Lines(lines)) => {
                let mut decoded = Vec::with_capacity(lines.len());
                for raw in lines {
                    // The raw value is a slice of the file text: its address is its
                    // offset.
                    let offset = raw
                        .get()
                        .as_ptr()
                        .addr()
                        .saturating_sub(file.text.as_ptr().addr());
                    *cursor = offset;
                    // A line that is not a string is malformed and simply not read.
                    if let Some(text) = decode_line(raw.get()) {
                        decoded.push(Line { text, offset });
                    }
                }
                decoded
            }
            Some(Source::Text(text)) => {
                // One string is on one line of the file: find it after the cells before,
                // then each line's encoding inside it, so that columns hold too.
                let encoded = serde_json::to_string(text).unwrap_or_default();
                let mut at = file
                    .text
                    .get(*cursor..)
                    .and_then(|rest| rest.find(&encoded))
                    .map_or(*cursor, |found| *cursor + found)
                    + 1;
                *cursor = at;
                text.split_inclusive('\n')
                    .map(|line| {
                        let line = line.trim_end_matches(['\n', '\r']);
                        let encoded = serde_json::to_string(line).unwrap_or_default();
                        let inner = encoded
                            .get(1..encoded.len().saturating_sub(1))
                            .unwrap_or_default();
                        let found = file
                            .text
                            .get(at..)
                            .and_then(|rest| rest.find(inner))
                            .map_or(at, |found| at + found);
                        at = found + inner.len();
                        Line {
                            text: Cow::Owned(line.to_string()),
                            // Where a quote before the text would be (see
                            // `line_and_column`).
                            offset: found.saturating_sub(1),
                        }
                    })
                    .collect()
            }
            None => Vec::new(),
        }
    }
}

/// The 1-based line and column where the text of the JSON string at `offset` starts
/// (after its opening quote).
fn line_and_column(locator: &Locator<'_>, offset: usize) -> (usize, usize) {
    locator.line_and_column(offset + 1)
}

/// Lines and columns of offsets asked for nearly in order (cell after cell, and back and
/// forth within a cell), counted from the last one: a notebook never builds the line
/// index of its whole text (9 MB of lines in the azureml-examples corpus, nearly all of
/// it in cells that report nothing). Agrees with [`SourceFile::line_and_column`].
struct Locator<'a> {
    text: &'a str,
    /// The last offset asked for, its 1-based line and the offset where that starts.
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> Locator<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            last: std::cell::Cell::new((0, 1, 0)),
        }
    }

    fn line_and_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let bytes = self.text.as_bytes();
        let (from, mut line, mut start) = self.last.get();
        if offset >= from {
            let gap = &bytes[from..offset];
            if let Some(last_newline) = memchr::memrchr(b'\n', gap) {
                line += memchr::memchr_iter(b'\n', gap).count();
                start = from + last_newline + 1;
            }
        } else {
            let newlines = memchr::memchr_iter(b'\n', &bytes[offset..from]).count();
            if newlines > 0 {
                line -= newlines;
                start = memchr::memrchr(b'\n', &bytes[..offset]).map_or(0, |at| at + 1);
            }
        }
        self.last.set((offset, line, start));
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |head| head.chars().count());
        (line, column + 1)
    }
}

/// A raw JSON string of one source line, decoded and without its line ending; `None` when
/// it is not a string. Most lines have no escape but their closing `\n`: those are
/// borrowed, not decoded.
fn decode_line(raw: &str) -> Option<Cow<'_, str>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    let body = inner.strip_suffix("\\n").unwrap_or(inner);
    if !body.contains('\\') {
        return Some(Cow::Borrowed(body.trim_end_matches('\r')));
    }
    let text: String = serde_json::from_str(raw).ok()?;
    Some(Cow::Owned(text.trim_end_matches(['\n', '\r']).to_string()))
}

/// A logical line: source lines ending in `\\` (shell continuation) joined, with where
/// each source line's part starts (see [`shell::Place`]).
struct Logical {
    text: String,
    segments: Vec<(usize, usize, usize)>,
}

fn join_continuations(lines: &[(String, usize, usize)]) -> Vec<Logical> {
    let mut joined = Vec::new();
    let mut pending: Option<Logical> = None;
    for (text, line, column) in lines {
        let mut current = pending.take().unwrap_or(Logical {
            text: String::new(),
            segments: Vec::new(),
        });
        current.segments.push((current.text.len(), *line, *column));
        if let Some(head) = text.trim_end().strip_suffix('\\') {
            current.text.push_str(head);
            current.text.push(' ');
            pending = Some(current);
        } else {
            current.text.push_str(text);
            joined.push(current);
        }
    }
    joined.extend(pending);
    joined
}

/// The shell command of a notebook line, with the byte offset it starts at: what follows
/// `!`, or a `%pip`/`%conda`/`%mamba`/`%uv` line magic (which run that program), without
/// a trailing `# comment`.
fn shell_command(line: &str) -> Option<(usize, &str)> {
    let text = line.trim_start();
    let command = if let Some(rest) = text.strip_prefix('!') {
        rest
    } else {
        let rest = text.strip_prefix('%')?;
        let magic = rest.split_whitespace().next()?;
        if !matches!(
            magic,
            "pip" | "pip3" | "conda" | "mamba" | "micromamba" | "uv"
        ) {
            return None;
        }
        rest
    };
    let end = command.find(" #").unwrap_or(command.len());
    let trimmed = command[..end].trim_start();
    let offset = line.len() - command.len() + (end - trimmed.len());
    let trimmed = trimmed.trim_end();
    (!trimmed.is_empty()).then_some((offset, trimmed))
}

/// Turns command-line arguments into requirements-file lines.
pub(crate) fn requirement_lines(arguments: &[String]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut index = 0;
    while index < arguments.len() {
        let argument = &arguments[index];
        index += 1;
        if !argument.starts_with('-') {
            lines.push(argument.clone());
            continue;
        }
        if argument == "--no-index" {
            lines.push(argument.clone());
            continue;
        }
        let (name, inline) = match argument.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_string())),
            _ => (argument.as_str(), None),
        };
        let matches = |table: &[(&'static str, Option<&'static str>)]| -> Option<(&'static str, Option<String>)> {
            table.iter().find_map(|(long, short)| {
                if name == *long || Some(name) == *short {
                    Some((*long, None))
                } else if let Some(short) = short
                    && !name.starts_with("--")
                    && let Some(value) = name.strip_prefix(short)
                    && !value.is_empty()
                {
                    Some((*long, Some(value.to_string())))
                } else {
                    None
                }
            })
        };
        if let Some((long, attached)) = matches(KEPT_WITH_VALUE) {
            let value = inline.or(attached).or_else(|| {
                let value = arguments.get(index).cloned();
                index += 1;
                value
            });
            if let Some(value) = value {
                lines.push(format!("{long} {}", quote(&value)));
            }
        } else if let Some((_, attached)) = matches(DROPPED_WITH_VALUE)
            && inline.is_none()
            && attached.is_none()
        {
            index += 1;
        }
        // Any other flag (-q, -U, --user, --no-cache-dir, …) changes no host.
    }
    lines
}

/// Quotes a value for the requirements parser's shell-style option splitting.
fn quote(value: &str) -> String {
    if value
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '\'' | '"' | '\\'))
    {
        format!("'{}'", value.replace('\'', "'\\''"))
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locator_agrees_with_the_line_index_in_any_order() {
        let file = SourceFile::new("n.ipynb", "ab\n\nçé\"x\"\r\n  {\n\"last\"");
        let boundaries: Vec<usize> = (0..=file.text.len())
            .filter(|offset| file.text.is_char_boundary(*offset))
            .collect();
        // Forward, backward, and jumping both ways from every place.
        let mut order = boundaries.clone();
        order.extend(boundaries.iter().rev());
        for (index, first) in boundaries.iter().enumerate() {
            order.push(*first);
            order.push(boundaries[(index * 7 + 3) % boundaries.len()]);
        }
        order.push(usize::MAX);
        let locator = Locator::new(&file.text);
        for offset in order {
            assert_eq!(
                locator.line_and_column(offset),
                file.line_and_column(offset),
                "at {offset}"
            );
        }
    }

    #[test]
    fn shell_commands_are_recognised() {
        let command = |line| shell_command(line).map(|(_, command)| command);
        assert_eq!(
            command("%pip install -U numpy"),
            Some("pip install -U numpy")
        );
        assert_eq!(
            command("!python -m pip install x # c"),
            Some("python -m pip install x")
        );
        assert_eq!(
            shell_command("  ! wget https://a/b"),
            Some((4, "wget https://a/b"))
        );
        assert_eq!(
            command("%conda install -c x y"),
            Some("conda install -c x y")
        );
        assert_eq!(command("%matplotlib inline"), None);
        assert_eq!(command("import pip"), None);
        assert_eq!(command("!"), None);
    }

    #[test]
    fn command_line_options_become_requirement_lines() {
        let arguments: Vec<String> = [
            "-q",
            "--index-url=https://a/simple",
            "-ihttps://b/simple",
            "--target",
            "/tmp/x",
            "-r",
            "req.txt",
            "pkg>=1",
            "--no-index",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
        assert_eq!(
            requirement_lines(&arguments),
            [
                "--index-url https://a/simple",
                "--index-url https://b/simple",
                "--requirement req.txt",
                "pkg>=1",
                "--no-index"
            ]
        );
    }
}
