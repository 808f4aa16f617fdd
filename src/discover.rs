//! Discovery: walks the given paths (honouring `.gitignore` through the `ignore` crate),
//! reads every file a format claims, parses it, and follows `-r`/`-c` includes wherever
//! they lead. This is the only stage that reads files; it never writes, never opens a
//! socket and never runs project code. One unreadable file never stops a scan: it
//! becomes a diagnostic.

use std::collections::{BTreeMap, VecDeque};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};
use ignore::WalkBuilder;

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::{self, Format, ParseContext, requirements_txt};
use crate::resolve::{Edge, Project, environment_options};
use crate::source::{Location, SourceFile};

/// Files larger than this are skipped with a warning.
pub const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// How to scan.
#[derive(Clone, Debug, Default)]
pub struct ScanOptions {
    /// The environment, only when the user passed `--env`.
    pub env: Option<BTreeMap<String, String>>,
    /// `--no-runtime`: Python source is not read and run-time downloads are left out.
    pub no_runtime: bool,
}

/// A file read from disk, or why it was not.
enum Loaded {
    Text(String),
    Skipped(Diagnostic),
}

/// Walks `roots` and parses everything found. Errors only for unusable arguments
/// (a path that does not exist).
pub fn discover(roots: &[PathBuf], options: &ScanOptions) -> anyhow::Result<Project> {
    let context = ParseContext {
        env: options.env.clone(),
    };
    let mut project = Project {
        no_runtime: options.no_runtime,
        runtime_environment: options.env.clone(),
        ..Project::default()
    };
    if let Some(env) = &options.env {
        let (environment, diagnostics) = environment_options(env);
        project.environment = environment;
        project.conda_environment = crate::resolve::conda_environment_config(env);
        project.diagnostics.extend(diagnostics);
    }
    for root in roots {
        if !root.exists() {
            bail!("`{}` does not exist", root.display());
        }
    }
    let prefix_paths = roots.len() > 1;
    for root in roots {
        let prefix = if prefix_paths {
            let shown = display_relative(root);
            format!("{}/", shown.trim_end_matches('/'))
        } else {
            String::new()
        };
        let mut walker = Walker {
            root,
            prefix: &prefix,
            context: &context,
            project: &mut project,
            fs_paths: BTreeMap::new(),
            queue: VecDeque::new(),
        };
        walker.walk()?;
    }
    Ok(project)
}

struct Walker<'a> {
    root: &'a Path,
    prefix: &'a str,
    context: &'a ParseContext,
    project: &'a mut Project,
    /// Display path → path on disk, for resolving includes.
    fs_paths: BTreeMap<String, PathBuf>,
    /// Requirements files whose includes are still to be followed.
    queue: VecDeque<String>,
}

impl Walker<'_> {
    fn walk(&mut self) -> anyhow::Result<()> {
        if self.root.is_file() {
            let name = self
                .root
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .context("the path names no file")?;
            let format =
                formats::format_for(Path::new(&name)).unwrap_or(&requirements_txt::RequirementsTxt);
            let display = format!("{}{name}", self.prefix);
            self.load(format, &display, self.root.to_path_buf());
        } else {
            let walker = WalkBuilder::new(self.root)
                .hidden(false)
                .git_ignore(true)
                .git_exclude(true)
                .require_git(false)
                .parents(false)
                .follow_links(true)
                .filter_entry(|entry| entry.file_name() != ".git")
                .sort_by_file_name(std::cmp::Ord::cmp)
                .build();
            for entry in walker {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(error) => {
                        let path =
                            error_path(&error).map_or_else(String::new, |path| self.display(&path));
                        self.project.diagnostics.push(Diagnostic::new(
                            Code::WalkError,
                            Location::new(path, 1, 1),
                            format!("cannot walk: {}", strip_path_noise(&error.to_string())),
                        ));
                        continue;
                    }
                };
                if !entry.file_type().is_some_and(|kind| kind.is_file()) {
                    continue;
                }
                let relative = entry.path().strip_prefix(self.root).unwrap_or(entry.path());
                if let Some(format) = formats::format_for(relative) {
                    if self.project.no_runtime && format.name() == formats::python_source::NAME {
                        continue;
                    }
                    let display = self.display(entry.path());
                    self.load(format, &display, entry.path().to_path_buf());
                }
            }
        }
        self.follow_includes();
        Ok(())
    }

    /// The display path of a file under the root: relative, `/`-separated.
    fn display(&self, path: &Path) -> String {
        let relative = path.strip_prefix(self.root).unwrap_or(path);
        format!("{}{}", self.prefix, slash_path(relative))
    }

    fn load(&mut self, format: &dyn Format, display: &str, path: PathBuf) {
        if self.project.manifests.contains_key(display) {
            return;
        }
        match read(&path, display) {
            Loaded::Text(text) => {
                let file = SourceFile::new(display, text);
                let manifest = format.parse(&file, self.context);
                if !manifest.includes.is_empty() {
                    self.queue.push_back(display.to_string());
                }
                // Python source is kept only when it says something: a large tree of code
                // must not stay in memory for the few findings in it.
                let keep_text =
                    manifest.format != formats::python_source::NAME || !manifest.runtime.is_empty();
                self.project.manifests.insert(display.to_string(), manifest);
                if keep_text {
                    self.project.files.insert(display.to_string(), file);
                }
                self.fs_paths.insert(display.to_string(), path);
            }
            Loaded::Skipped(diagnostic) => self.project.diagnostics.push(diagnostic),
        }
    }

    fn follow_includes(&mut self) {
        while let Some(display) = self.queue.pop_front() {
            let Some(manifest) = self.project.manifests.get(&display) else {
                continue;
            };
            let includes = manifest.includes.clone();
            let Some(fs_path) = self.fs_paths.get(&display).cloned() else {
                continue;
            };
            let fs_directory = fs_path.parent().map(Path::to_path_buf).unwrap_or_default();
            let display_directory = display
                .rfind('/')
                .map_or("", |index| &display[..index])
                .to_string();
            let mut edges = Vec::new();
            for include in includes {
                let target_fs = fs_directory.join(&include.target);
                let target_display = normalise(&format!(
                    "{}{}{}",
                    display_directory,
                    if display_directory.is_empty() {
                        ""
                    } else {
                        "/"
                    },
                    include.target.replace('\\', "/")
                ));
                if !target_fs.is_file() {
                    self.project.diagnostics.push(
                        Diagnostic::new(
                            Code::IncludeNotFound,
                            include.at.clone(),
                            format!("included file `{}` does not exist", include.target),
                        )
                        .with_help(
                            "paths in -r and -c are relative to the file that includes them",
                        ),
                    );
                    continue;
                }
                if !self.project.manifests.contains_key(&target_display) {
                    match read(&target_fs, &target_display) {
                        Loaded::Text(text) => {
                            let file = SourceFile::new(target_display.clone(), text);
                            let manifest = requirements_txt::parse(&file, self.context);
                            if !manifest.includes.is_empty() {
                                self.queue.push_back(target_display.clone());
                            }
                            self.project
                                .manifests
                                .insert(target_display.clone(), manifest);
                            self.project.files.insert(target_display.clone(), file);
                            self.fs_paths.insert(target_display.clone(), target_fs);
                        }
                        Loaded::Skipped(diagnostic) => {
                            self.project.diagnostics.push(diagnostic);
                            continue;
                        }
                    }
                }
                edges.push(Edge {
                    target: target_display,
                    constraint: include.constraint,
                    at: include.at.clone(),
                });
            }
            self.project.edges.insert(display, edges);
        }
    }
}

/// Reads a file as text: too large or binary files are skipped, invalid UTF-8 is
/// replaced, never fatal.
fn read(path: &Path, display: &str) -> Loaded {
    let at = || Location::new(display, 1, 1);
    let file = match fs_err::File::open(path) {
        Ok(file) => file,
        Err(error) => {
            return Loaded::Skipped(Diagnostic::new(
                Code::ReadError,
                at(),
                format!("cannot read: {}", error.kind()),
            ));
        }
    };
    let size = file.metadata().map_or(0, |metadata| metadata.len());
    if size > MAX_FILE_SIZE {
        return Loaded::Skipped(
            Diagnostic::new(
                Code::FileTooLarge,
                at(),
                format!("skipped: {size} bytes is over the {MAX_FILE_SIZE}-byte limit"),
            )
            .with_help("a dependency file this large is almost certainly generated data"),
        );
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // Read at most one byte past the limit, in case the file grew after stat.
    if let Err(error) = file.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes) {
        return Loaded::Skipped(Diagnostic::new(
            Code::ReadError,
            at(),
            format!("cannot read: {}", error.kind()),
        ));
    }
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Loaded::Skipped(Diagnostic::new(
            Code::FileTooLarge,
            at(),
            format!("skipped: over the {MAX_FILE_SIZE}-byte limit"),
        ));
    }
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Loaded::Skipped(Diagnostic::new(
            Code::BinaryFile,
            at(),
            "skipped: the file looks binary (it contains NUL bytes)",
        ));
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    };
    Loaded::Text(text)
}

fn slash_path(path: &Path) -> String {
    path.components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn display_relative(path: &Path) -> String {
    let text = slash_path(path);
    if text.is_empty() {
        ".".to_string()
    } else {
        text
    }
}

/// Lexically removes `.` and `a/..` from a `/`-separated path.
fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for component in Path::new(path).components() {
        match component {
            Component::ParentDir => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else {
                    parts.push("..");
                }
            }
            Component::Normal(part) => parts.push(part.to_str().unwrap_or_default()),
            Component::RootDir => parts.push(""),
            Component::CurDir | Component::Prefix(_) => {}
        }
    }
    parts.join("/")
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

/// `ignore` errors repeat absolute paths; keep the message machine-independent.
fn strip_path_noise(message: &str) -> String {
    if message.contains("File system loop found") {
        "symbolic link loop (not followed)".to_string()
    } else {
        message.rsplit(": ").next().unwrap_or(message).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_paths() {
        assert_eq!(normalise("a/b/../c.txt"), "a/c.txt");
        assert_eq!(normalise("a/./c.txt"), "a/c.txt");
        assert_eq!(normalise("../x.txt"), "../x.txt");
        assert_eq!(normalise("a/../../x.txt"), "../x.txt");
    }
}
