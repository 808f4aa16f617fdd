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

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::embedded_requirements::Embedded;
use crate::formats::python_calls;
use crate::formats::python_source::runtime_use;
use crate::formats::{ParseContext, shell};
use crate::model::{Ecosystem, Manifest, Role, RuntimeUse};
use crate::source::{Location, SourceFile};

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
    let scan_code = python_calls::may_contain_calls(&file.text)
        || file.text.contains("%env")
        || file.text.contains("%set_env");
    let mut cursor = 0;
    let cells = notebook.cells.iter().chain(
        notebook
            .worksheets
            .iter()
            .flat_map(|sheet| sheet.cells.iter()),
    );
    for cell in cells {
        if cell.cell_type.as_deref().is_some_and(|kind| kind != "code") {
            continue;
        }
        let lines = cell.lines();
        // Only `!` and `%` lines run anything, and only code with a trigger word can
        // download at run time; locating lines in the file costs a search each, so other
        // cells are passed over.
        if !scan_code
            && !lines
                .iter()
                .any(|line| matches!(line.trim_start().as_bytes().first(), Some(b'!' | b'%')))
        {
            continue;
        }
        // Locate each source line in the file text to get its real line number.
        let mut located: Vec<(String, usize, usize)> = Vec::new();
        for line in &lines {
            let encoded = serde_json::to_string(line).unwrap_or_default();
            let (number, column) = match file.text[cursor..].find(&encoded) {
                Some(found) => {
                    let offset = cursor + found;
                    cursor = offset + encoded.len();
                    let location = file.location(offset + 1);
                    (location.line as usize, location.column as usize)
                }
                None => (file.location(cursor).line as usize, 1),
            };
            located.push((
                line.trim_end_matches(['\n', '\r']).to_string(),
                number,
                column,
            ));
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
        if scan_code {
            cell_runtime(file, &located, &mut runtime);
        }
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
fn cell_runtime(file: &SourceFile, located: &[(String, usize, usize)], out: &mut Vec<RuntimeUse>) {
    let at = |line: usize, column: usize| {
        Location::new(
            file.path.clone(),
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    };
    let mut skip = 0;
    if let Some((first, _, _)) = located.first() {
        let magic = first.split_whitespace().next().unwrap_or("");
        if magic.starts_with("%%") {
            let writes_python = magic == "%%writefile"
                && first.split_whitespace().last().is_some_and(|name| {
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
    let mut code = String::new();
    for (index, (text, line, column)) in located.iter().enumerate() {
        let trimmed = text.trim_start();
        if index < skip || trimmed.starts_with(['%', '!']) {
            if index >= skip {
                shell_line(trimmed, &at(*line, *column), out);
            }
            code.push('\n');
        } else {
            code.push_str(text);
            code.push('\n');
        }
    }
    if !python_calls::may_contain_calls(&code) {
        return;
    }
    for (found, row, column) in python_calls::scan(&code).found {
        let Some((_, line, start)) = located.get(row) else {
            continue;
        };
        out.push(runtime_use(found, at(*line, start + column)));
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
#[derive(serde::Deserialize)]
struct Notebook {
    #[serde(default)]
    cells: Vec<Cell>,
    #[serde(default)]
    worksheets: Vec<Worksheet>,
}

#[derive(serde::Deserialize)]
struct Worksheet {
    #[serde(default)]
    cells: Vec<Cell>,
}

#[derive(serde::Deserialize)]
struct Cell {
    #[serde(default)]
    cell_type: Option<String>,
    /// nbformat 4 writes `source`, nbformat 3 code cells `input`: a list of lines or one
    /// string.
    #[serde(default, alias = "input")]
    source: Option<Source>,
}

/// A cell's source: a list of lines or one string. Deserialised by hand: an untagged enum
/// would buffer every cell before trying each shape.
enum Source {
    Lines(Vec<String>),
    Text(String),
}

impl<'de> serde::Deserialize<'de> for Source {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Source;

            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("a string or a list of strings")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Source, E> {
                Ok(Source::Text(text.to_string()))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Source, A::Error> {
                let mut lines = Vec::new();
                while let Some(line) = seq.next_element::<serde_json::Value>()? {
                    // A line that is not a string is malformed and simply not read.
                    if let serde_json::Value::String(line) = line {
                        lines.push(line);
                    }
                }
                Ok(Source::Lines(lines))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Cell {
    /// The source as lines, each keeping its `\n` as nbformat stores it.
    fn lines(&self) -> Vec<String> {
        match &self.source {
            Some(Source::Lines(parts)) => parts.clone(),
            Some(Source::Text(text)) => text.split_inclusive('\n').map(str::to_string).collect(),
            None => Vec::new(),
        }
    }
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
