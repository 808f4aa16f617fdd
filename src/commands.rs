//! The edge: the only code that reads arguments, prints and writes files. Each
//! subcommand is one module.

pub(crate) mod audit;
pub(crate) mod check;
pub(crate) mod completions;
pub(crate) mod diff;
pub(crate) mod explain;
pub(crate) mod explain_log;
pub(crate) mod formats;
pub(crate) mod generate;
pub(crate) mod init;
pub(crate) mod man;
pub(crate) mod record;
pub(crate) mod scan;

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};

use crate::cli::ScanInput;
use crate::discover::{self, Progress, ScanOptions};
use crate::knowledge::Knowledge;
use crate::plan::Denied;
use crate::policy::{self, Policy};
use crate::resolve::{self, Resolution};

/// A scan with the organisation's policy applied.
pub(crate) struct Scanned {
    /// What discovery found (with the lines findings point at, for reports that show
    /// evidence lines as written).
    pub(crate) project: crate::resolve::Project,
    pub(crate) resolution: Resolution,
    pub(crate) policy: Policy,
    /// Needed hosts the policy denies, for the plan.
    pub(crate) denied: Vec<Denied>,
}

/// Scans the input paths: discovery, parsing and resolution against the knowledge base,
/// then the policy file (see [`crate::policy`]).
pub(crate) fn run_scan(input: &ScanInput) -> anyhow::Result<Scanned> {
    let paths = if input.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        input.paths.clone()
    };
    let (policy, policy_path) = load_policy(input.config.as_deref(), &paths)?;
    let mut extra = Vec::new();
    for path in &input.knowledge {
        let text = fs_err::read_to_string(path).context("cannot read the knowledge file")?;
        extra.push((path.display().to_string(), text));
    }
    // The policy's knowledge files are relative to the policy file.
    let base = policy_path
        .as_deref()
        .and_then(Path::parent)
        .unwrap_or(Path::new(""));
    for name in &policy.knowledge {
        let path = base.join(name);
        let text = fs_err::read_to_string(&path)
            .context("cannot read a knowledge file the policy file names")?;
        extra.push((path.display().to_string(), text));
    }
    let knowledge = Knowledge::load(&extra).context("invalid knowledge file")?;
    let progress = Arc::new(Progress::default());
    let options = ScanOptions {
        env: input
            .env
            .then(|| std::env::vars().collect::<BTreeMap<String, String>>()),
        progress: Some(Arc::clone(&progress)),
        exclude: policy.exclude.clone(),
        limits: input.limits(),
        no_runtime: input.no_runtime,
    };
    let indicator = ProgressIndicator::start(progress);
    let project = discover::discover(&paths, &options);
    indicator.stop();
    let project = project?;
    let mut resolution = resolve::resolve(&project, &knowledge);
    let denied = policy.apply(&mut resolution, &knowledge, &project.excerpts);
    Ok(Scanned {
        project,
        resolution,
        policy,
        denied,
    })
}

/// The policy of `--config FILE`, or the `pkgallow.toml` of the scanned directory, or
/// none; with the path it was read from. Its warnings name it like any scanned file
/// (relative to the root); its fatal errors by the path it was read from.
fn load_policy(
    config: Option<&Path>,
    roots: &[PathBuf],
) -> anyhow::Result<(Policy, Option<PathBuf>)> {
    let (path, display) = if let Some(path) = config {
        (path.to_path_buf(), path.display().to_string())
    } else {
        let found: Vec<(PathBuf, String)> = roots
            .iter()
            .filter(|root| root.is_dir())
            .map(|root| {
                let display = if roots.len() > 1 {
                    format!(
                        "{}/{}",
                        root.display().to_string().trim_end_matches('/'),
                        policy::FILE_NAME
                    )
                } else {
                    policy::FILE_NAME.to_string()
                };
                (root.join(policy::FILE_NAME), display)
            })
            .filter(|(path, _)| path.is_file())
            .collect();
        match found.as_slice() {
            [] => return Ok((Policy::default(), None)),
            [one] => one.clone(),
            several => bail!(
                "several policy files ({}): pass --config FILE to choose one",
                several
                    .iter()
                    .map(|(path, _)| path.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    };
    let text = fs_err::read_to_string(&path).context("cannot read the policy file")?;
    let policy = Policy::parse(&display, &text).map_err(|mut error| {
        error.location.path = path
            .strip_prefix(".")
            .unwrap_or(&path)
            .display()
            .to_string();
        anyhow::Error::new(error).context("invalid policy file")
    })?;
    Ok((policy, Some(path)))
}

/// A progress line on standard error for scans of large trees: it appears only after a
/// second, only when standard error is a terminal (never in CI logs or pipes), and is
/// erased when the scan ends, so output is unchanged.
struct ProgressIndicator {
    done: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ProgressIndicator {
    const DELAY: Duration = Duration::from_secs(1);
    const PERIOD: Duration = Duration::from_millis(100);

    fn start(progress: Arc<Progress>) -> Self {
        let done = Arc::new((Mutex::new(false), Condvar::new()));
        if !std::io::stderr().is_terminal() {
            return Self { done, thread: None };
        }
        // Tests shorten the delay to see the indicator without a slow scan.
        let delay = std::env::var("PKGALLOW_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|millis| millis.parse().ok())
            .map_or(Self::DELAY, Duration::from_millis);
        let signal = Arc::clone(&done);
        let thread = std::thread::spawn(move || {
            let (lock, condvar) = &*signal;
            let mut wait = delay;
            let mut shown = false;
            loop {
                let Ok(guard) = lock.lock() else { return };
                let Ok((finished, _)) = condvar.wait_timeout_while(guard, wait, |done| !*done)
                else {
                    return;
                };
                let mut stderr = std::io::stderr().lock();
                if *finished {
                    if shown {
                        // Erase the line so that what follows starts clean.
                        let _ = write!(stderr, "\r\x1b[2K");
                    }
                    return;
                }
                let walked = progress.walked.load(Ordering::Relaxed);
                let parsed = progress.parsed.load(Ordering::Relaxed);
                let _ = write!(
                    stderr,
                    "\r\x1b[2Kscanning: {walked} entries walked, {parsed} dependency files read"
                );
                let _ = stderr.flush();
                shown = true;
                wait = Self::PERIOD;
            }
        });
        Self {
            done,
            thread: Some(thread),
        }
    }

    fn stop(mut self) {
        let (lock, condvar) = &*self.done;
        if let Ok(mut finished) = lock.lock() {
            *finished = true;
        }
        condvar.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
