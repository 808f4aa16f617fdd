//! Discovery: walks the given paths (honouring `.gitignore` through the `ignore` crate),
//! reads every file a format claims, parses it, and follows `-r`/`-c` includes wherever
//! they lead. This is the only stage that reads files; it never writes, never opens a
//! socket and never runs project code. One unreadable file never stops a scan: it
//! becomes a diagnostic. The walk runs on the calling thread and hands the files it
//! finds, in small batches, to one reader per core, which read and parse them while the
//! walk goes on; results are put back in walk order, so the output never depends on
//! scheduling.

use std::collections::{BTreeMap, VecDeque};
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::{self, Candidate, Format, ParseContext, requirements_txt};
use crate::limits::Limits;
use crate::resolve::{Edge, Project, environment_options};
use crate::source::{Excerpt, Location, SourceFile};

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

/// Files the walk hands to a reader at a time: few enough that readers start early and
/// share the work evenly, enough that passing them on costs nothing next to reading.
const BATCH: usize = 32;

/// Batches waiting for a reader, per reader: bounds what the walk runs ahead (paths
/// only; texts are read one at a time by each reader).
const QUEUED_BATCHES_PER_READER: usize = 8;

/// Bytes read before the size of a file is asked for: most dependency and source files
/// are smaller, and reading them needs no `stat`.
const FIRST_READ: usize = 64 * 1024;

/// A file the walk found, numbered in walk order.
struct Job {
    index: usize,
    format: &'static dyn Format,
    display: String,
    path: PathBuf,
}

/// A file parsed: its manifest, with the lines it points at when later stages need
/// them; `None` when it said nothing worth keeping (most Python source); or why it was
/// not read.
type Outcome = Result<Option<Loaded>, Diagnostic>;

struct Loaded {
    /// The lines the manifest points at.
    excerpt: Option<Excerpt>,
    /// Boxed from the reader to the project's map: a manifest is large (750 bytes), and
    /// moving each whole from reader to results to path order to map took a 10,000-file
    /// tree 20–30 ms, all of it after the readers had finished.
    manifest: Box<crate::model::Manifest>,
}

/// How many files may still be read, shared by every root; the first file over the
/// limit is reported once and the walk stops there.
struct Budget {
    read: usize,
    exhausted: bool,
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
    /// Display path → path on disk of the files whose includes are to be followed.
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
            if !self.project.manifests.contains_key(&display) {
                let mut buffer = Vec::new();
                let job = Job {
                    index: 0,
                    format,
                    display,
                    path: self.root.to_path_buf(),
                };
                let outcome = load(&job, self.context, self.limits, self.progress, &mut buffer);
                self.record(job, outcome);
            }
        } else {
            self.walk_directory()?;
        }
        self.follow_includes();
        Ok(())
    }

    /// Walks a directory on this thread while readers (one per core) read and parse what
    /// it finds, then records their results in walk order.
    fn walk_directory(&mut self) -> anyhow::Result<()> {
        let mut excluded = OverrideBuilder::new(self.root);
        for glob in self.exclude {
            // `!` makes an override glob an ignore rule rather than a whitelist.
            excluded
                .add(&format!("!{glob}"))
                .with_context(|| format!("invalid exclude glob `{glob}`"))?;
        }
        let excluded = excluded.build().context("invalid exclude globs")?;
        let walker = walk_builder(self.root).overrides(excluded).build();
        let readers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let (context, limits, progress) = (self.context, self.limits, self.progress);
        let (sender, receiver) =
            mpsc::sync_channel::<Vec<Job>>(readers * QUEUED_BATCHES_PER_READER);
        // Each reader holds the receiving end: should every reader die (a parser bug),
        // the walk's next send fails instead of waiting for ever.
        let receiver = Arc::new(Mutex::new(receiver));
        let mut results = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..readers)
                .map(|_| {
                    let receiver = Arc::clone(&receiver);
                    scope.spawn(move || {
                        let mut done = Vec::new();
                        let mut buffer = Vec::new();
                        loop {
                            // Locked while waiting for and taking the next batch only.
                            let batch = receiver
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .recv();
                            let Ok(batch) = batch else {
                                break;
                            };
                            for job in batch {
                                let outcome = load(&job, context, limits, progress, &mut buffer);
                                // Python source that said nothing leaves nothing behind.
                                if !matches!(outcome, Ok(None)) {
                                    done.push((job, outcome));
                                }
                            }
                        }
                        done
                    })
                })
                .collect();
            drop(receiver);
            self.walk_entries(walker, &sender);
            drop(sender);
            let mut results = Vec::new();
            for worker in workers {
                match worker.join() {
                    Ok(done) => results.extend(done),
                    // A parser that panics is a bug: surface it as the serial code would.
                    Err(payload) => std::panic::resume_unwind(payload),
                }
            }
            results
        });
        let mut loaded = Vec::with_capacity(results.len());
        // Each reader's results are in walk order already: the stable sort merges runs.
        results.sort_by_key(|(job, _)| job.index);
        for (job, outcome) in results {
            match outcome {
                Ok(Some(loaded_file)) => {
                    if !loaded_file.manifest.includes.is_empty() {
                        self.queue.push_back(job.display.clone());
                        self.fs_paths.insert(job.display.clone(), job.path);
                    }
                    loaded.push((job.display, loaded_file));
                }
                Ok(None) => {}
                Err(diagnostic) => self.project.diagnostics.push(diagnostic),
            }
        }
        let mut manifests = Vec::with_capacity(loaded.len());
        let mut excerpts = Vec::with_capacity(loaded.len());
        // Walk order is nearly path order (it differs where a name sorts between a
        // directory and what is in it), which the stable sort finds in runs. Of equal
        // display paths (only invalid UTF-8 names can collide) the later in walk order
        // wins, as inserting in walk order did: the map keeps the last of equal keys.
        loaded.sort_by(|(one, _), (other, _)| one.cmp(other));
        for (display, Loaded { excerpt, manifest }) in loaded {
            if let Some(excerpt) = excerpt {
                excerpts.push((display.clone(), excerpt));
            }
            manifests.push((display, manifest));
        }
        self.project
            .manifests
            .append(&mut manifests.into_iter().collect());
        self.project
            .excerpts
            .append(&mut excerpts.into_iter().collect());
        Ok(())
    }

    /// The walk itself: reports walk errors, spends the file budget, and sends the files
    /// some format claims to the readers.
    fn walk_entries(&mut self, walker: ignore::Walk, sender: &SyncSender<Vec<Job>>) {
        let mut batch = Vec::with_capacity(BATCH);
        let mut index = 0;
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
            let Some(format) = formats::format_of(&candidate) else {
                continue;
            };
            if self.project.no_runtime && format.name() == formats::python_source::NAME {
                continue;
            }
            // Only manifests of earlier roots are recorded yet: this walk's are recorded
            // after it, so what is skipped here never depends on the readers' speed.
            let display = self.display(entry.path());
            if self.project.manifests.contains_key(&display) {
                continue;
            }
            if !self.spend(&display) {
                break;
            }
            batch.push(Job {
                index,
                format,
                display,
                path: entry.into_path(),
            });
            index += 1;
            if batch.len() == BATCH
                && sender
                    .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                    .is_err()
            {
                // Every reader is gone: they panicked, and joining them says why.
                return;
            }
        }
        if !batch.is_empty() {
            let _ = sender.send(batch);
        }
    }

    /// Records one file's outcome.
    fn record(&mut self, job: Job, outcome: Outcome) {
        match outcome {
            Ok(Some(Loaded { excerpt, manifest })) => {
                if !manifest.includes.is_empty() {
                    self.queue.push_back(job.display.clone());
                    self.fs_paths.insert(job.display.clone(), job.path);
                }
                self.project.manifests.insert(job.display.clone(), manifest);
                if let Some(excerpt) = excerpt {
                    self.project.excerpts.insert(job.display, excerpt);
                }
            }
            Ok(None) => {}
            Err(diagnostic) => self.project.diagnostics.push(diagnostic),
        }
    }

    /// The display path of a file under the root: relative, `/`-separated.
    fn display(&self, path: &Path) -> String {
        let relative = path.strip_prefix(self.root).unwrap_or(path);
        // A walked path is the root joined with one name per level, so its text is
        // already the `/`-separated path unless it holds `.`, empty or `\\` parts.
        if let Some(text) = relative.to_str()
            && !text.is_empty()
            && !text.contains('\\')
            && !text.split('/').any(|part| part.is_empty() || part == ".")
        {
            let mut display = String::with_capacity(self.prefix.len() + text.len());
            display.push_str(self.prefix);
            display.push_str(text);
            return display;
        }
        format!("{}{}", self.prefix, slash_path(relative))
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
                    let mut buffer = Vec::new();
                    match read(&target_fs, &target_display, self.limits, &mut buffer) {
                        Ok(()) => {
                            let file = SourceFile::new(target_display.clone(), text_of(buffer));
                            let manifest = requirements_txt::parse(&file, self.context);
                            if !manifest.includes.is_empty() {
                                self.queue.push_back(target_display.clone());
                                self.fs_paths.insert(target_display.clone(), target_fs);
                            }
                            let excerpt = file.excerpt(manifest.lines());
                            self.project
                                .excerpts
                                .insert(target_display.clone(), excerpt);
                            self.project
                                .manifests
                                .insert(target_display.clone(), Box::new(manifest));
                        }
                        Err(diagnostic) => {
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

/// The walk of a directory root: every file, hidden ones too, in file-name order,
/// following symlinks (the walker detects loops), never entering `.git`, skipping what
/// the tree's own `.gitignore` files exclude. Only `.gitignore`: what a scan finds must
/// depend on the repository alone, so the per-machine `.git/info/exclude` and the user's
/// global excludes file are not read, nor ripgrep's `.ignore` files, which would hide
/// dependency files from a security review unnoticed (the policy's `exclude` is the way
/// to skip them, written down where reviewers see it). It is also cheaper: the walker
/// looks for each kind of ignore file in every directory it enters. Public so that the
/// benchmark's floor is this very walk.
pub fn walk_builder(root: &Path) -> WalkBuilder {
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .git_ignore(true)
        .ignore(false)
        .git_exclude(false)
        .git_global(false)
        .require_git(false)
        .parents(false)
        .follow_links(true)
        .filter_entry(|entry| entry.file_name() != ".git")
        // In file-name order, compared as whole paths: siblings' paths are their
        // directory's path and a name, so the order is the same, and comparing the
        // bytes is cheaper than taking each name out of its path at every comparison
        // (a tenth of the walk of a large tree).
        .sort_by_file_path(|one, other| one.as_os_str().cmp(other.as_os_str()));
    builder
}

/// Reads and parses one file (on a reader thread). `buffer` is the reader's, kept from
/// file to file: the text is parsed in it and given back, so reading costs no
/// allocation and what is kept of a file is only its [`Excerpt`].
fn load(
    job: &Job,
    context: &ParseContext,
    limits: &Limits,
    progress: Option<&Progress>,
    buffer: &mut Vec<u8>,
) -> Outcome {
    if let Some(progress) = progress {
        progress.parsed.fetch_add(1, Ordering::Relaxed);
    }
    read(&job.path, &job.display, limits, buffer)?;
    // UTF-8 is checked once, in place: the replacing conversion (which copies) is
    // several times slower than the check, and was a tenth of a corpus scan when every
    // file went through it.
    let (text, borrowed) = match String::from_utf8(std::mem::take(buffer)) {
        Ok(text) if job.format.says_nothing(&text) => {
            *buffer = text.into_bytes();
            return Ok(None);
        }
        Ok(text) => (text, true),
        // Replacing invalid UTF-8 makes a copy; the buffer stays where it is.
        Err(error) => {
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            *buffer = error.into_bytes();
            (text, false)
        }
    };
    let file = SourceFile::new(job.display.as_str(), text);
    let manifest = job.format.parse(&file, context);
    // Python source that says nothing (most of it) leaves nothing behind, and when it
    // says something only the lines of its findings are kept: memory grows with what
    // dependency files say, not with the number of files in the tree.
    let keep = manifest.format != formats::python_source::NAME || !manifest.runtime.is_empty();
    let outcome = if keep || !manifest.diagnostics.is_empty() {
        Ok(Some(Loaded {
            excerpt: keep.then(|| file.excerpt(manifest.lines())),
            manifest: Box::new(manifest),
        }))
    } else {
        Ok(None)
    };
    if borrowed {
        *buffer = file.into_text().into_bytes();
    }
    outcome
}

/// Text from bytes read; invalid UTF-8 is replaced, never fatal.
fn text_of(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    }
}

/// Reads a file into `bytes` (cleared first): too large or binary files, and files with
/// a line over the limit, are skipped with a diagnostic.
fn read(
    path: &Path,
    display: &str,
    limits: &Limits,
    bytes: &mut Vec<u8>,
) -> Result<(), Diagnostic> {
    let max_size = limits.max_file_size;
    let at = || Location::new(display, 1, 1);
    let cannot_read = |error: std::io::Error| {
        Diagnostic::new(
            Code::ReadError,
            at(),
            format!("cannot read: {}", error.kind()),
        )
    };
    bytes.clear();
    let mut file = std::fs::File::open(path).map_err(cannot_read)?;
    // Small files are read without asking their size; a file that fills the first read
    // is measured before the rest is read, so that one too large is never read at all.
    let first = max_size.saturating_add(1).min(FIRST_READ as u64);
    bytes.reserve(usize::try_from(first).unwrap_or(FIRST_READ));
    (&mut file)
        .take(first)
        .read_to_end(bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 == first {
        let size = file.metadata().map_or(0, |metadata| metadata.len());
        if size > max_size {
            return Err(Diagnostic::new(
                Code::FileTooLarge,
                at(),
                format!("skipped: {size} bytes is over the {max_size}-byte limit (--max-file-size)"),
            )
            .with_help("a dependency file this large is almost certainly generated data; raise --max-file-size to read it"));
        }
        bytes.reserve(usize::try_from(size.saturating_sub(first)).unwrap_or(0));
        // Read at most one byte past the limit, in case the file grew after stat.
        file.take(max_size.saturating_add(1) - first)
            .read_to_end(bytes)
            .map_err(cannot_read)?;
    }
    if bytes.len() as u64 > max_size {
        return Err(Diagnostic::new(
            Code::FileTooLarge,
            at(),
            format!("skipped: over the {max_size}-byte limit (--max-file-size)"),
        ));
    }
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err(Diagnostic::new(
            Code::BinaryFile,
            at(),
            "skipped: the file looks binary (it contains NUL bytes)",
        ));
    }
    if let Some((number, length)) = first_long_line(bytes, limits.max_line_length) {
        return Err(Diagnostic::new(
                Code::LineTooLong,
                Location::new(display, number, 1),
                format!(
                    "skipped: line {number} is {length} bytes, over the {}-byte limit (--max-line-length)",
                    limits.max_line_length
                ),
            )
            .with_help("a line this long is minified or embedded data; raise --max-line-length to read the file"));
    }
    Ok(())
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

    /// Files past the first read are measured before the rest is read: read whole when
    /// under the limit, skipped with their size when over it, never cut short.
    #[test]
    fn files_larger_than_the_first_read_are_read_whole_or_skipped() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("requirements.txt");
        let line = "numpy==1.0\n";
        let text = line.repeat(FIRST_READ / line.len() * 3 + 1);
        std::fs::write(&path, &text).unwrap();
        let mut buffer = Vec::new();
        let limits = Limits::default();
        read(&path, "requirements.txt", &limits, &mut buffer).unwrap();
        assert_eq!(buffer, text.as_bytes());
        for max_file_size in [FIRST_READ as u64 * 2, FIRST_READ as u64 - 1, 10] {
            let limits = Limits {
                max_file_size,
                ..Limits::default()
            };
            let skipped = read(&path, "requirements.txt", &limits, &mut buffer).unwrap_err();
            assert_eq!(skipped.code, Code::FileTooLarge);
            assert!(
                skipped
                    .message
                    .starts_with(&format!("skipped: {} bytes is over", text.len())),
                "{}",
                skipped.message
            );
        }
        // A small file after a large one: the buffer holds only it.
        std::fs::write(&path, "a\n").unwrap();
        read(&path, "requirements.txt", &limits, &mut buffer).unwrap();
        assert_eq!(buffer, b"a\n");
    }

    #[test]
    fn long_lines_are_found_with_their_number() {
        assert_eq!(first_long_line(b"ab\ncdef\ng", 3), Some((2, 4)));
        assert_eq!(first_long_line(b"ab\ncde\n", 3), None);
        assert_eq!(first_long_line(b"abcd", 3), Some((1, 4)));
    }
}
