//! Jupyter notebooks (`*.ipynb`): the install commands in code cells — `%pip install`,
//! `!pip install`, `!pip3 install`, `!python -m pip install`, `!uv pip install` — read as
//! pip reads its command line. A notebook is a pip unit of its own, like a requirements
//! file: `-i` replaces the default index for the notebook, `--extra-index-url` adds,
//! `-r file` is followed relative to the notebook, and the repository's `pip.conf` applies.
//!
//! Evidence points at the line of the `.ipynb` file itself (nbformat writes each source
//! line as its own JSON string), so editors jump to the right cell. Only code cells count;
//! markdown cells and outputs never do. The notebook is never executed.
//!
//! How: the install arguments of every command become lines of a synthetic requirements
//! file (`-i URL`, `name>=1`, …) with a map back to the notebook's lines, and the
//! requirements parser reads it, so both formats share one set of rules.

use std::path::Path;

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::embedded_requirements::Embedded;
use crate::formats::python_calls;
use crate::formats::python_source::runtime_use;
use crate::formats::requirements_txt::shell_split;
use crate::formats::{ParseContext, column_of};
use crate::model::{Manifest, Role, RuntimeUse};
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
        r"`%pip install`, `!pip install`, `!python -m pip install`, `!uv pip install` in code cells, read as pip's command line (`-i`, `--extra-index-url`, `-f`, `-r` relative to the notebook, `-e`, requirements, URLs); evidence is the line in the `.ipynb` file; markdown cells never count. Code cells are also read for run-time downloads as Python source is, with `%env NAME=VALUE` settings, `!wget`/`!curl` URLs, `!python -m spacy download`, and `%%writefile *.py` cells"
    }

    fn matches(&self, path: &Path) -> bool {
        path.extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("ipynb"))
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
    let value: serde_json::Value = match serde_json::from_str(&file.text) {
        Ok(value) => value,
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
    let mut embedded = Embedded::default();
    let mut runtime = Vec::new();
    let scan_code = python_calls::may_contain_calls(&file.text)
        || file.text.contains("%env")
        || file.text.contains("%set_env");
    let mut cursor = 0;
    for cell in cells(&value) {
        let is_code = cell
            .get("cell_type")
            .and_then(serde_json::Value::as_str)
            .is_none_or(|kind| kind == "code");
        if !is_code {
            continue;
        }
        let lines = source_lines(cell);
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
        for (command, line, column) in join_continuations(&located) {
            let Some(arguments) = install_arguments(&command) else {
                continue;
            };
            let offset = column_of(&command, arguments.first().map_or("", String::as_str));
            for entry in requirement_lines(&arguments) {
                embedded.push(&entry, line, column + offset.saturating_sub(1));
            }
        }
        if scan_code {
            cell_runtime(file, &located, &mut runtime);
        }
    }
    let mut manifest = embedded.parse(file, context);
    manifest.format = NAME;
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

/// Code cells of nbformat 4 (`cells`) or 3 (`worksheets[].cells`).
fn cells(value: &serde_json::Value) -> Vec<&serde_json::Value> {
    if let Some(cells) = value.get("cells").and_then(serde_json::Value::as_array) {
        return cells.iter().collect();
    }
    value
        .get("worksheets")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|sheet| sheet.get("cells").and_then(serde_json::Value::as_array))
        .flatten()
        .collect()
}

/// A cell's source as lines, each keeping its `\n` as nbformat stores it.
fn source_lines(cell: &serde_json::Value) -> Vec<String> {
    let source = cell.get("source").or_else(|| cell.get("input"));
    match source {
        Some(serde_json::Value::Array(parts)) => parts
            .iter()
            .filter_map(serde_json::Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(serde_json::Value::String(text)) => {
            text.split_inclusive('\n').map(str::to_string).collect()
        }
        _ => Vec::new(),
    }
}

/// Joins lines ending in `\` (shell continuation) and keeps the first line's position.
fn join_continuations(lines: &[(String, usize, usize)]) -> Vec<(String, usize, usize)> {
    let mut joined = Vec::new();
    let mut pending: Option<(String, usize, usize)> = None;
    for (text, line, column) in lines {
        let (mut current, first_line, first_column) =
            pending.take().unwrap_or((String::new(), *line, *column));
        if let Some(head) = text.trim_end().strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
            pending = Some((current, first_line, first_column));
        } else {
            current.push_str(text);
            joined.push((current, first_line, first_column));
        }
    }
    joined.extend(pending);
    joined
}

/// The arguments after `install` of a pip install command, or `None` for other lines.
fn install_arguments(command: &str) -> Option<Vec<String>> {
    let text = command.trim_start();
    let rest = ["%pip ", "%pip3 ", "!pip ", "!pip3 ", "%uv pip ", "!uv pip "]
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))
        .or_else(|| {
            // `!python -m pip`, `!python3 -m pip`, `!{sys.executable} -m pip`.
            let bang = text.strip_prefix('!')?;
            let (_, after) = bang.split_once(" -m pip ")?;
            Some(after)
        })?;
    let rest = rest.trim_start().strip_prefix("install")?;
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    // The shell ends the command at a comment or a command separator.
    let end = [" #", "&&", "||", ";", " | "]
        .iter()
        .filter_map(|separator| rest.find(separator))
        .min()
        .unwrap_or(rest.len());
    Some(shell_split(&rest[..end]))
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
    fn install_commands_are_recognised() {
        assert_eq!(
            install_arguments("%pip install -U numpy").unwrap(),
            ["-U", "numpy"]
        );
        assert_eq!(
            install_arguments("!python -m pip install x # c").unwrap(),
            ["x"]
        );
        assert_eq!(
            install_arguments("!{sys.executable} -m pip install y && echo").unwrap(),
            ["y"]
        );
        assert!(install_arguments("!pip show azure-ai-ml").is_none());
        assert!(install_arguments("%pip installer").is_none());
        assert!(install_arguments("import pip").is_none());
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
