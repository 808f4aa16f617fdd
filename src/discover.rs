//! Discovery: walks the given paths (honouring `.gitignore` through the `ignore` crate),
//! reads every file a format claims, parses it, and follows `-r`/`-c` includes wherever
//! they lead. This is the only stage that reads files; it never writes, never opens a
//! socket and never runs project code. One unreadable file never stops a scan: it
//! becomes a diagnostic. Files are read and parsed on every core; results are kept in
//! walk order, so the output never depends on scheduling.

use std::collections::{BTreeMap, VecDeque};
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, bail};
use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::{self, Candidate, Format, ParseContext, requirements_txt};
use crate::limits::Limits;
use crate::resolve::{Edge, Project, environment_options};
use crate::source::{Location, SourceFile};

/// Files larger than this are skipped with a warning, unless `--max-file-size` says
/// otherwise.
pub const MAX_FILE_SIZE: u64 = Limits::DEFAULT_MAX_FILE_SIZE;

/// How to scan.
#[derive(Clone, Debug, Default)]
pub struct ScanOptions {
    /// The environment, only when the user passed `--env`.
    pub env: Option<BTreeMap<String, String>>,
    /// Globs (gitignore syntax, relative to each root) the walk skips: the policy's
    /// `exclude`. A skipped file that another file includes (`-r`) is still read, as
    /// pip would read it.
    pub exclude: Vec<String>,
    /// Counters a caller may watch to show progress; discovery only increments them.
    pub progress: Option<Arc<Progress>>,
    /// File size, line length, file count and include depth limits.
    pub limits: Limits,
    /// `--no-runtime`: Python source is not read and run-time downloads are left out.
    pub no_runtime: bool,
}

/// How far a scan has got, for a progress indicator.
#[derive(Debug, Default)]
pub struct Progress {
    /// Directory entries walked.
    pub walked: AtomicUsize,
    /// Files read and parsed.
    pub parsed: AtomicUsize,
}

/// Files read and parsed together before their results are recorded.
const LOAD_CHUNK: usize = 2048;

/// How many files may still be read, shared by every root; the first file over the
/// limit is reported once and the walk stops there.
struct Budget {
    read: usize,
    exhausted: bool,
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
        limits: options.limits,
        no_runtime: options.no_runtime,
        runtime_environment: options.env.clone(),
        ..Project::default()
    };
    let mut budget = Budget {
        read: 0,
        exhausted: false,
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
            exclude: &options.exclude,
            context: &context,
            progress: options.progress.as_deref(),
            project: &mut project,
            fs_paths: BTreeMap::new(),
            queue: VecDeque::new(),
            limits: &options.limits,
            budget: &mut budget,
        };
        walker.walk()?;
    }
    Ok(project)
}

struct Walker<'a> {
    root: &'a Path,
    prefix: &'a str,
    exclude: &'a [String],
    context: &'a ParseContext,
    progress: Option<&'a Progress>,
    project: &'a mut Project,
    /// Display path → path on disk, for resolving includes.
    fs_paths: BTreeMap<String, PathBuf>,
    /// Requirements files whose includes are still to be followed.
    queue: VecDeque<String>,
    limits: &'a Limits,
    budget: &'a mut Budget,
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
            self.load_all(vec![(format, display, self.root.to_path_buf())]);
        } else {
            let mut found: Vec<(&'static dyn Format, String, PathBuf)> = Vec::new();
            let mut excluded = OverrideBuilder::new(self.root);
            for glob in self.exclude {
                // `!` makes an override glob an ignore rule rather than a whitelist.
                excluded
                    .add(&format!("!{glob}"))
                    .with_context(|| format!("invalid exclude glob `{glob}`"))?;
            }
            let excluded = excluded.build().context("invalid exclude globs")?;
            let walker = WalkBuilder::new(self.root)
                .overrides(excluded)
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
                if let Some(progress) = self.progress {
                    progress.walked.fetch_add(1, Ordering::Relaxed);
                }
                if !entry.file_type().is_some_and(|kind| kind.is_file()) {
                    continue;
                }
                let candidate = Candidate::walked(entry.path(), entry.file_name(), entry.depth());
                if let Some(format) = formats::format_of(&candidate) {
                    if self.project.no_runtime && format.name() == formats::python_source::NAME {
                        continue;
                    }
                    let display = self.display(entry.path());
                    if self.project.manifests.contains_key(&display) {
                        continue;
                    }
                    if !self.spend(&display) {
                        break;
                    }
                    found.push((format, display, entry.path().to_path_buf()));
                }
            }
            self.load_all(found);
        }
        self.follow_includes();
        Ok(())
    }

    /// The display path of a file under the root: relative, `/`-separated.
    fn display(&self, path: &Path) -> String {
        let relative = path.strip_prefix(self.root).unwrap_or(path);
        format!("{}{}", self.prefix, slash_path(relative))
    }

    /// Reads and parses the files found, on every core, and records them in walk order so
    /// that the result does not depend on which thread finished first.
    fn load_all(&mut self, found: Vec<(&'static dyn Format, String, PathBuf)>) {
        let found: Vec<_> = found
            .into_iter()
            .filter(|(_, display, _)| !self.project.manifests.contains_key(display))
            .collect();
        let context = self.context;
        let progress = self.progress;
        let limits = self.limits;
        // In chunks: only one chunk's texts and manifests are in flight at a time, so a
        // tree of many files does not hold them all before they are sorted out.
        for chunk in found.chunks(LOAD_CHUNK) {
            let parsed = parallel_map(chunk, |(format, display, path)| {
                if let Some(progress) = progress {
                    progress.parsed.fetch_add(1, Ordering::Relaxed);
                }
                match read(path, display, limits) {
                    Loaded::Text(text) => {
                        let file = SourceFile::new(display.as_str(), text);
                        let manifest = format.parse(&file, context);
                        // Python source that says nothing (most of it) is not kept at
                        // all, and when it says something its text is kept only for the
                        // findings: memory grows with what dependency files say, not
                        // with the number of files in the tree.
                        if manifest.format != formats::python_source::NAME
                            || !manifest.runtime.is_empty()
                        {
                            Ok(Some((Some(file), manifest)))
                        } else if !manifest.diagnostics.is_empty() {
                            Ok(Some((None, manifest)))
                        } else {
                            Ok(None)
                        }
                    }
                    Loaded::Skipped(diagnostic) => Err(diagnostic),
                }
            });
            for ((_, display, path), result) in chunk.iter().zip(parsed) {
                match result {
                    Ok(Some((file, manifest))) => {
                        if !manifest.includes.is_empty() {
                            self.queue.push_back(display.clone());
                        }
                        self.project.manifests.insert(display.clone(), manifest);
                        if let Some(file) = file {
                            self.project.files.insert(display.clone(), file);
                        }
                        self.fs_paths.insert(display.clone(), path.clone());
                    }
                    Ok(None) => {}
                    Err(diagnostic) => self.project.diagnostics.push(diagnostic),
                }
            }
        }
    }

    /// Counts one more file read; past `--max-files`, reports the first file not read
    /// (once per scan) and says no.
    fn spend(&mut self, display: &str) -> bool {
        if self.budget.read < self.limits.max_files {
            self.budget.read += 1;
            return true;
        }
        if !self.budget.exhausted {
            self.budget.exhausted = true;
            self.project.diagnostics.push(
                Diagnostic::new(
                    Code::TooManyFiles,
                    Location::new(display, 1, 1),
                    format!(
                        "not read: the scan already read {} files (--max-files); this file and every later one are skipped",
                        self.limits.max_files
                    ),
                )
                .with_help("scan a narrower path, or raise --max-files"),
            );
        }
        false
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
                    if !self.spend(&target_display) {
                        continue;
                    }
                    match read(&target_fs, &target_display, self.limits) {
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

/// Maps `work` over `items` on up to one thread per core, keeping the items' order. Small
/// inputs stay on the calling thread: spawning costs more than it saves.
fn parallel_map<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    const SERIAL_BELOW: usize = 32;
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(items.len().div_ceil(SERIAL_BELOW));
    if threads <= 1 {
        return items.iter().map(&work).collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(index) else {
                            break;
                        };
                        done.push((index, work(item)));
                    }
                    done
                })
            })
            .collect();
        for worker in workers {
            match worker.join() {
                Ok(done) => {
                    for (index, result) in done {
                        results[index] = Some(result);
                    }
                }
                // A parser that panics is a bug: surface it as the serial code would.
                Err(payload) => std::panic::resume_unwind(payload),
            }
        }
    });
    results.into_iter().flatten().collect()
}

/// Reads a file as text: too large or binary files are skipped, invalid UTF-8 is
/// replaced, never fatal.
fn read(path: &Path, display: &str, limits: &Limits) -> Loaded {
    let max_size = limits.max_file_size;
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
    if size > max_size {
        return Loaded::Skipped(
            Diagnostic::new(
                Code::FileTooLarge,
                at(),
                format!("skipped: {size} bytes is over the {max_size}-byte limit (--max-file-size)"),
            )
            .with_help("a dependency file this large is almost certainly generated data; raise --max-file-size to read it"),
        );
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // Read at most one byte past the limit, in case the file grew after stat.
    if let Err(error) = file
        .take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
    {
        return Loaded::Skipped(Diagnostic::new(
            Code::ReadError,
            at(),
            format!("cannot read: {}", error.kind()),
        ));
    }
    if bytes.len() as u64 > max_size {
        return Loaded::Skipped(Diagnostic::new(
            Code::FileTooLarge,
            at(),
            format!("skipped: over the {max_size}-byte limit (--max-file-size)"),
        ));
    }
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Loaded::Skipped(Diagnostic::new(
            Code::BinaryFile,
            at(),
            "skipped: the file looks binary (it contains NUL bytes)",
        ));
    }
    if let Some((number, length)) = first_long_line(&bytes, limits.max_line_length) {
        return Loaded::Skipped(
            Diagnostic::new(
                Code::LineTooLong,
                Location::new(display, number, 1),
                format!(
                    "skipped: line {number} is {length} bytes, over the {}-byte limit (--max-line-length)",
                    limits.max_line_length
                ),
            )
            .with_help("a line this long is minified or embedded data; raise --max-line-length to read the file"),
        );
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    };
    Loaded::Text(text)
}

/// The first line (1-based number, length in bytes) longer than `limit`, if any.
fn first_long_line(bytes: &[u8], limit: usize) -> Option<(u32, usize)> {
    if bytes.len() <= limit {
        return None;
    }
    bytes
        .split(|byte| *byte == b'\n')
        .enumerate()
        .find(|(_, line)| line.len() > limit)
        .map(|(index, line)| (u32::try_from(index + 1).unwrap_or(u32::MAX), line.len()))
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

    #[test]
    fn long_lines_are_found_with_their_number() {
        assert_eq!(first_long_line(b"ab\ncdef\ng", 3), Some((2, 4)));
        assert_eq!(first_long_line(b"ab\ncde\n", 3), None);
        assert_eq!(first_long_line(b"abcd", 3), Some((1, 4)));
    }
}
