//! Scan benchmark (run through `benches/run.sh`, which builds the release binary first).
//!
//! 1. Generates, deterministically, a monorepo of 200,000 files in a temporary directory:
//!    500 projects of Python sources, docs, JSON, CSV, SVG and text files, each with
//!    twenty dependency files of every ecosystem pkgallow reads (requirements with
//!    includes, pyproject, setup.cfg, Pipfile, pip.conf, conda and Azure ML YAML,
//!    a notebook, a Dockerfile, package.json, package-lock.json, .npmrc, Cargo.toml,
//!    go.mod, pom.xml and Python calling `from_pretrained`): 10,000 in all. Registry
//!    hosts come from reversed labels only.
//! 2. Times the bare walk of that tree in-process with the walker settings of
//!    `src/discover.rs`: the floor a scan cannot beat (and the tree target: 1.5x it);
//!    and, for reference, the same walk with every file a scan reads read by one thread
//!    per core, as a scan reads them: what a scan would cost were parsing free.
//! 3. Runs `target/release/pkgallow scan TREE --format json` (1 warm-up + 5 timed runs, so
//!    the page cache is warm), each through a re-executed copy of this binary that spawns
//!    the scan, waits for it and reports its wall time, CPU time and peak RSS from
//!    `getrusage(RUSAGE_CHILDREN)` — one measuring process per run, so every figure
//!    belongs to that run alone.
//! 4. Generates a 10 MB requirements file and times `requirements_txt::parse` in-process,
//!    and the CLI scan of a directory holding only that file.
//! 5. Generates a 100 MB `package-lock.json` (the lockfile that reaches that size in real
//!    monorepos; under the default 128 MiB `--max-file-size`) and scans it.
//! 6. Scans the azureml-examples corpus in `../shared/corpus` when it is there.
//! 7. Runs trivy, syft and cdxgen on the tree and the lockfile where they are installed
//!    (never in CI), and says which were skipped.
//!
//! Prints a table of results with the targets (tree scan under 1.5x the walk and
//! 100 MiB, 10 MB parse under 100 ms, lockfile under 1 s and 1 GiB, corpus under 50 ms).
//! The JSON output of the tree scan is also checked to be byte-identical across runs. Of
//! the 200,000 files, those under `__pycache__/` are ignored through the tree's
//! `.gitignore`, as they would be in a real repository.
//!
//! Environment: `SCAN_BENCH_KEEP=DIR` generates the inputs into `DIR` (which must not
//! hold them yet) and keeps them, to profile or compare binaries on them;
//! `SCAN_BENCH_PARSE_ONLY=1` only parses the 10 MB file 20 times in-process, for
//! `perf record`.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark reports on the terminal"
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime};

use nix::sys::resource::{UsageWho, getrusage};
use pkgallow::formats::ParseContext;
use pkgallow::formats::requirements_txt;
use pkgallow::source::SourceFile;

const TOTAL_FILES: usize = 200_000;
/// Dependency files of every format pkgallow reads: 20 per project.
const REQUIREMENTS_FILES: usize = 10_000;
const PROJECTS: usize = 500;
const GROUPS: usize = 20;
const BIG_FILE_BYTES: usize = 10 * 1024 * 1024;
const WARM_UPS: usize = 1;
const RUNS: usize = 5;
const PARSE_RUNS: usize = 7;
const WALK_RUNS: usize = 5;

/// The tree scan may take at most this many times the bare walk.
const TARGET_TREE_OVER_WALK: f64 = 1.5;
const TARGET_TREE_RSS_KIB: u64 = 100 * 1024;
const TARGET_BIG_PARSE: Duration = Duration::from_millis(100);
/// The lockfile is generated up to this size: what a large monorepo's
/// `package-lock.json` reaches, under the default 128 MiB `--max-file-size`.
const LOCK_BYTES: usize = 100 * 1_000_000;
const TARGET_LOCK_WALL: Duration = Duration::from_secs(1);
const TARGET_LOCK_RSS_KIB: u64 = 1024 * 1024;
const TARGET_CORPUS_WALL: Duration = Duration::from_millis(50);

/// The argument that makes this binary measure one child instead of benchmarking.
const MEASURE: &str = "--measure-child";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(MEASURE) {
        return measure_child(&args[2..]);
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing of it and
    // should not spend a minute here.
    if !args.iter().any(|arg| arg == "--bench") {
        println!("scan benchmark: run with `cargo bench --bench scan` (see benches/run.sh)");
        return ExitCode::SUCCESS;
    }
    if std::env::var_os("SCAN_BENCH_PARSE_ONLY").is_some() {
        parse_only();
    } else {
        bench();
    }
    ExitCode::SUCCESS
}

/// For profilers (`perf record`): only the in-process parse of the 10 MB file, 20 times.
fn parse_only() {
    let file = SourceFile::new(
        "requirements.txt",
        generate_big_requirements(BIG_FILE_BYTES),
    );
    let mut times = Vec::new();
    for _ in 0..20 {
        let start = Instant::now();
        let manifest = requirements_txt::parse(&file, &ParseContext::default());
        times.push(start.elapsed());
        drop(std::hint::black_box(manifest));
    }
    println!(
        "20 parses of the 10 MB file: median {}, min {}",
        ms(median(times.clone())),
        ms(minimum(times.into_iter()))
    );
}

// ---------------------------------------------------------------------------------------
// Measuring one child process.

/// What one run of the CLI cost.
#[derive(Clone, Copy, Debug)]
struct Run {
    wall: Duration,
    cpu: Duration,
    max_rss_kib: u64,
}

/// Child mode: `scan-bench --measure-child STDOUT PROGRAM ARGS...` runs the program with
/// its standard output sent to `STDOUT` (a file path, or `-` for /dev/null) and prints
/// `wall_ns cpu_us max_rss_kib` for it.
fn measure_child(args: &[String]) -> ExitCode {
    let [stdout, program, rest @ ..] = args else {
        eprintln!("usage: {MEASURE} STDOUT PROGRAM [ARGS...]");
        return ExitCode::from(2);
    };
    let output = if stdout == "-" {
        Stdio::null()
    } else {
        Stdio::from(std::fs::File::create(stdout).expect("the output file can be created"))
    };
    let start = Instant::now();
    let status = Command::new(program)
        .args(rest)
        .stdout(output)
        .status()
        .expect("the program starts");
    let wall = start.elapsed();
    if !status.success() {
        eprintln!("{program} failed: {status}");
        return ExitCode::from(1);
    }
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage works");
    let cpu = timeval(usage.user_time()) + timeval(usage.system_time());
    // Linux reports ru_maxrss in KiB.
    println!(
        "{} {} {}",
        wall.as_nanos(),
        cpu.as_micros(),
        usage.max_rss()
    );
    ExitCode::SUCCESS
}

fn timeval(time: nix::sys::time::TimeVal) -> Duration {
    let seconds = u64::try_from(time.tv_sec()).unwrap_or(0);
    let micros = u64::try_from(time.tv_usec()).unwrap_or(0);
    Duration::from_secs(seconds) + Duration::from_micros(micros)
}

/// Runs `binary ARGS` through a measuring copy of this process.
fn measured_run(binary: &Path, args: &[&str], stdout: Option<&Path>) -> Run {
    let this = std::env::current_exe().expect("the benchmark knows its own path");
    let stdout = stdout.map_or_else(|| "-".to_string(), |path| path.display().to_string());
    let output = Command::new(this)
        .arg(MEASURE)
        .arg(stdout)
        .arg(binary)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .expect("the measuring process starts");
    assert!(output.status.success(), "a measured run failed");
    let text = String::from_utf8(output.stdout).expect("the measurement is text");
    let fields: Vec<u64> = text
        .split_whitespace()
        .map(|field| field.parse().expect("the measurement is numbers"))
        .collect();
    let [wall_ns, cpu_us, max_rss_kib] = fields[..] else {
        panic!("unexpected measurement `{text}`");
    };
    Run {
        wall: Duration::from_nanos(wall_ns),
        cpu: Duration::from_micros(cpu_us),
        max_rss_kib,
    }
}

/// Warm-up runs then timed runs of a CLI scan.
fn cli_runs(binary: &Path, args: &[&str]) -> Vec<Run> {
    for _ in 0..WARM_UPS {
        measured_run(binary, args, None);
    }
    (0..RUNS)
        .map(|_| measured_run(binary, args, None))
        .collect()
}

// ---------------------------------------------------------------------------------------
// The benchmark.

struct Row {
    name: String,
    median: Duration,
    min: Duration,
    cpu: Option<Duration>,
    rss_kib: Option<u64>,
    target: String,
    met: Option<bool>,
}

fn bench() {
    let binary = release_binary();
    let scratch = tempfile::Builder::new()
        .prefix("pkgallow-bench-")
        .tempdir()
        .expect("a temporary directory");
    // SCAN_BENCH_KEEP=DIR writes the inputs there and keeps them, to profile or compare.
    let inputs = std::env::var_os("SCAN_BENCH_KEEP")
        .map_or_else(|| scratch.path().to_path_buf(), PathBuf::from);
    let tree = inputs.join("tree");
    let big_dir = inputs.join("big");
    assert!(
        !tree.exists() && !big_dir.exists(),
        "{} already holds generated inputs",
        inputs.display()
    );

    let started = Instant::now();
    let stats = generate_tree(&tree);
    println!(
        "generated {} files ({} dependency files, {} directories, {:.1} MB) in {:.1} s",
        stats.files,
        stats.requirements,
        stats.directories,
        mb(stats.bytes),
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let big = generate_big_requirements(BIG_FILE_BYTES);
    std::fs::create_dir_all(&big_dir).expect("the big-file directory can be created");
    let big_path = big_dir.join("requirements.txt");
    std::fs::write(&big_path, &big).expect("the big file can be written");
    println!(
        "generated a {:.1} MB requirements file ({} lines) in {:.1} s",
        mb(big.len()),
        big.lines().count(),
        started.elapsed().as_secs_f64()
    );

    let mut rows = Vec::new();

    // 1. The floor: the same walk, in-process, doing nothing with the entries.
    let mut walks = Vec::new();
    let mut walked = 0;
    for _ in 0..=WALK_RUNS {
        let start = Instant::now();
        walked = bare_walk(&tree);
        walks.push(start.elapsed());
    }
    walks.remove(0); // warm-up
    let floor = median(walks.clone());
    // The same walk, reading every file a scan reads, with a scan's threads: what a scan
    // would cost were parsing free (for reference; the target is against the bare walk).
    let mut reads = Vec::new();
    let mut read = (0, 0);
    for _ in 0..=WALK_RUNS {
        let start = Instant::now();
        read = walk_and_read(&tree);
        reads.push(start.elapsed());
    }
    reads.remove(0); // warm-up

    // 2. The tree through the CLI.
    let tree_arg = tree.to_str().expect("the temporary path is UTF-8");
    let args = ["scan", tree_arg, "--format", "json"];
    let runs = cli_runs(&binary, &args);
    let wall = median(runs.iter().map(|run| run.wall).collect());
    let rss = runs.iter().map(|run| run.max_rss_kib).max().unwrap_or(0);
    let tree_target = floor.mul_f64(TARGET_TREE_OVER_WALK);
    rows.push(Row {
        name: format!(
            "scan tree ({TOTAL_FILES} files, {REQUIREMENTS_FILES} dependency files), CLI"
        ),
        median: wall,
        min: minimum(runs.iter().map(|run| run.wall)),
        cpu: Some(median(runs.iter().map(|run| run.cpu).collect())),
        rss_kib: Some(rss),
        target: format!(
            "< {TARGET_TREE_OVER_WALK}x walk = {}, < {} MiB",
            ms(tree_target),
            TARGET_TREE_RSS_KIB / 1024
        ),
        met: Some(wall < tree_target && rss < TARGET_TREE_RSS_KIB),
    });
    rows.push(Row {
        name: format!("bare walk floor ({walked} files), in-process"),
        median: floor,
        min: minimum(walks.into_iter()),
        cpu: None,
        rss_kib: None,
        target: String::new(),
        met: None,
    });
    rows.push(Row {
        name: format!(
            "walk + read the {} files a scan reads ({:.1} MB), in-process",
            read.0,
            mb(read.1)
        ),
        median: median(reads.clone()),
        min: minimum(reads.into_iter()),
        cpu: None,
        rss_kib: None,
        target: String::new(),
        met: None,
    });
    let identical = outputs_identical(&binary, &args, scratch.path());

    // 3. The 10 MB file, parsed in-process.
    let file = SourceFile::new("requirements.txt", big.clone());
    let context = ParseContext::default();
    let mut parses = Vec::new();
    let mut diagnostics = 0;
    for _ in 0..=PARSE_RUNS {
        let start = Instant::now();
        let manifest = requirements_txt::parse(&file, &context);
        parses.push(start.elapsed());
        diagnostics = manifest.diagnostics.len();
        std::hint::black_box(manifest);
    }
    parses.remove(0); // warm-up
    let parse = median(parses.clone());
    rows.push(Row {
        name: format!("parse 10 MB requirements file ({diagnostics} diagnostics), in-process"),
        median: parse,
        min: minimum(parses.into_iter()),
        cpu: None,
        rss_kib: None,
        target: format!("< {} ms", TARGET_BIG_PARSE.as_millis()),
        met: Some(parse < TARGET_BIG_PARSE),
    });

    // 4. The 10 MB file through the CLI.
    let big_arg = big_dir.to_str().expect("the temporary path is UTF-8");
    let runs = cli_runs(&binary, &["scan", big_arg, "--format", "json"]);
    rows.push(Row {
        name: "scan dir with only the 10 MB file, CLI".to_string(),
        median: median(runs.iter().map(|run| run.wall).collect()),
        min: minimum(runs.iter().map(|run| run.wall)),
        cpu: Some(median(runs.iter().map(|run| run.cpu).collect())),
        rss_kib: runs.iter().map(|run| run.max_rss_kib).max(),
        target: String::new(),
        met: None,
    });

    // 5. A 100,000-package npm lockfile through the CLI.
    let lock_dir = inputs.join("npm-lock");
    std::fs::create_dir_all(&lock_dir).expect("the lockfile directory can be created");
    let (lock, lock_packages) = generate_package_lock(LOCK_BYTES, 0x5eed_1234);
    std::fs::write(lock_dir.join("package-lock.json"), &lock).expect("the lockfile can be written");
    let lock_arg = lock_dir.to_str().expect("the temporary path is UTF-8");
    let runs = cli_runs(&binary, &["scan", lock_arg, "--format", "json"]);
    let wall = median(runs.iter().map(|run| run.wall).collect());
    let rss = runs.iter().map(|run| run.max_rss_kib).max().unwrap_or(0);
    rows.push(Row {
        name: format!(
            "scan {lock_packages}-package package-lock.json ({:.1} MB), CLI",
            mb(lock.len())
        ),
        median: wall,
        min: minimum(runs.iter().map(|run| run.wall)),
        cpu: Some(median(runs.iter().map(|run| run.cpu).collect())),
        rss_kib: Some(rss),
        target: format!(
            "< {} ms, < {} MiB",
            TARGET_LOCK_WALL.as_millis(),
            TARGET_LOCK_RSS_KIB / 1024
        ),
        met: Some(wall < TARGET_LOCK_WALL && rss < TARGET_LOCK_RSS_KIB),
    });

    // 6. The azureml-examples corpus beside the repository, when it is there.
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/azureml-examples");
    if corpus.is_dir() {
        let corpus_arg = corpus.to_str().expect("the corpus path is UTF-8");
        let runs = cli_runs(&binary, &["scan", corpus_arg, "--format", "json"]);
        let wall = median(runs.iter().map(|run| run.wall).collect());
        rows.push(Row {
            name: "scan azureml-examples corpus, CLI".to_string(),
            median: wall,
            min: minimum(runs.iter().map(|run| run.wall)),
            cpu: Some(median(runs.iter().map(|run| run.cpu).collect())),
            rss_kib: runs.iter().map(|run| run.max_rss_kib).max(),
            target: format!("< {} ms", TARGET_CORPUS_WALL.as_millis()),
            met: Some(wall < TARGET_CORPUS_WALL),
        });
    }

    // 7. Other scanners on the same trees, when installed (never in CI).
    let others = other_scanners(&tree, &lock_dir, &mut rows);

    println!();
    println!("{}", render(&rows));
    println!(
        "CLI rows: {WARM_UPS} warm-up + {RUNS} runs (in-process rows: 1 + {WALK_RUNS} walks, 1 + {PARSE_RUNS} parses); \
         cpu = user + sys of the child (median), peak RSS = max over runs"
    );
    println!(
        "tree scan JSON byte-identical across runs: {}",
        if identical { "yes" } else { "NO" }
    );
    println!(
        "machine: {} CPUs, {}",
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
        cpu_model()
    );
    println!("binary: {}", binary.display());
    println!("{others}");
    assert!(identical, "the scan output differs between runs");
}

/// Runs trivy, syft and cdxgen, where they are on `PATH`, on the generated tree and the
/// lockfile, adding rows beside pkgallow's. They list packages (SBOMs) rather than hosts,
/// so the comparison is of cost, not of output. Returns a note on what ran.
fn other_scanners(tree: &Path, lock_dir: &Path, rows: &mut Vec<Row>) -> String {
    let tools: [(&str, Arguments); 3] = [
        ("trivy", |dir| {
            [
                "fs",
                "--quiet",
                "--offline-scan",
                "--skip-db-update",
                "--format",
                "cyclonedx",
                dir,
            ]
            .map(String::from)
            .to_vec()
        }),
        ("syft", |dir| {
            [&format!("dir:{dir}"), "--quiet", "-o", "cyclonedx-json"]
                .map(String::from)
                .to_vec()
        }),
        ("cdxgen", |dir| {
            ["--no-install-deps", "-o", "/dev/stdout", dir]
                .map(String::from)
                .to_vec()
        }),
    ];
    let mut ran = Vec::new();
    let mut missing = Vec::new();
    for (tool, arguments) in tools {
        let Some(program) = on_path(tool) else {
            missing.push(tool);
            continue;
        };
        for (what, dir) in [("tree", tree), ("lockfile", lock_dir)] {
            let dir = dir.to_str().expect("the temporary path is UTF-8");
            let arguments = arguments(dir);
            let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
            let runs = cli_runs(&program, &arguments);
            rows.push(Row {
                name: format!("{tool} on the {what}"),
                median: median(runs.iter().map(|run| run.wall).collect()),
                min: minimum(runs.iter().map(|run| run.wall)),
                cpu: Some(median(runs.iter().map(|run| run.cpu).collect())),
                rss_kib: runs.iter().map(|run| run.max_rss_kib).max(),
                target: String::new(),
                met: None,
            });
        }
        ran.push(tool);
    }
    let mut note = String::from("other scanners: ");
    if !ran.is_empty() {
        let _ = write!(note, "ran {}; ", ran.join(", "));
    }
    if missing.is_empty() {
        note.push_str("all installed");
    } else {
        let _ = write!(note, "{} not installed, skipped", missing.join(", "));
    }
    note
}

/// A scanner's command line for a directory.
type Arguments = fn(&str) -> Vec<String>;

/// The program of that name on `PATH`, if any.
fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|directory| directory.join(program))
        .find(|candidate| candidate.is_file())
}

/// Two scans with their output kept; true when byte-identical (and non-empty).
fn outputs_identical(binary: &Path, args: &[&str], scratch: &Path) -> bool {
    let first = scratch.join("first.json");
    let second = scratch.join("second.json");
    measured_run(binary, args, Some(&first));
    measured_run(binary, args, Some(&second));
    let first = std::fs::read(first).expect("the first output is readable");
    let second = std::fs::read(second).expect("the second output is readable");
    !first.is_empty() && first == second
}

/// The walk `src/discover.rs` does (the same builder), counting files.
fn bare_walk(root: &Path) -> usize {
    pkgallow::discover::walk_builder(root)
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|kind| kind.is_file()))
        .count()
}

/// The walk of [`bare_walk`] handing the files some format claims, in batches, to one
/// reader thread per core that reads each (as `src/discover.rs` does, without parsing).
/// Returns the files and bytes read.
fn walk_and_read(root: &Path) -> (usize, usize) {
    let readers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<PathBuf>>(readers * 8);
    let receiver = std::sync::Arc::new(std::sync::Mutex::new(receiver));
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..readers)
            .map(|_| {
                let receiver = std::sync::Arc::clone(&receiver);
                scope.spawn(move || {
                    let (mut files, mut bytes) = (0, 0);
                    let mut buffer = Vec::new();
                    loop {
                        let batch = receiver.lock().expect("no reader panics").recv();
                        let Ok(batch) = batch else {
                            return (files, bytes);
                        };
                        for path in batch {
                            buffer.clear();
                            let mut file = std::fs::File::open(path).expect("a walked file opens");
                            std::io::Read::read_to_end(&mut file, &mut buffer)
                                .expect("a walked file reads");
                            files += 1;
                            bytes += buffer.len();
                        }
                    }
                })
            })
            .collect();
        let mut batch = Vec::new();
        for entry in pkgallow::discover::walk_builder(root)
            .build()
            .filter_map(Result::ok)
        {
            if !entry.file_type().is_some_and(|kind| kind.is_file()) {
                continue;
            }
            let candidate = pkgallow::formats::Candidate::walked(
                entry.path(),
                entry.file_name(),
                entry.depth(),
            );
            if pkgallow::formats::format_of(&candidate).is_some() {
                batch.push(entry.into_path());
                if batch.len() == 32 {
                    sender
                        .send(std::mem::take(&mut batch))
                        .expect("the readers are there");
                }
            }
        }
        sender.send(batch).expect("the readers are there");
        drop(sender);
        workers
            .into_iter()
            .map(|worker| worker.join().expect("no reader panics"))
            .fold((0, 0), |(files, bytes), (more, more_bytes)| {
                (files + more, bytes + more_bytes)
            })
    })
}

fn render(rows: &[Row]) -> String {
    let mut out = String::new();
    let header = ["case", "median", "min", "cpu", "peak RSS", "target", "met"];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|row| {
            [
                row.name.clone(),
                ms(row.median),
                ms(row.min),
                row.cpu.map_or_else(|| "-".to_string(), ms),
                row.rss_kib
                    .map_or_else(|| "-".to_string(), |kib| format!("{:.1} MiB", mib(kib))),
                if row.target.is_empty() {
                    "-".to_string()
                } else {
                    row.target.clone()
                },
                match row.met {
                    Some(true) => "yes".to_string(),
                    Some(false) => "NO".to_string(),
                    None => "-".to_string(),
                },
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let line = |out: &mut String, cells: &[&str]| {
        for (index, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if index == 0 {
                let _ = write!(out, "{cell:<width$}");
            } else {
                let _ = write!(out, "  {cell:>width$}");
            }
        }
        out.push('\n');
    };
    line(&mut out, &header);
    let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
    line(
        &mut out,
        &rule.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    for row in &cells {
        line(
            &mut out,
            &row.iter().map(String::as_str).collect::<Vec<_>>(),
        );
    }
    out
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

fn mb(bytes: usize) -> f64 {
    f64::from(u32::try_from(bytes).unwrap_or(u32::MAX)) / 1_000_000.0
}

fn mib(kib: u64) -> f64 {
    f64::from(u32::try_from(kib).unwrap_or(u32::MAX)) / 1024.0
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

fn minimum(values: impl Iterator<Item = Duration>) -> Duration {
    values.min().unwrap_or_default()
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}

/// `target/release/pkgallow`, which `benches/run.sh` builds first. Refuses a binary older
/// than the sources: it would measure code that is no longer there.
fn release_binary() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| manifest_dir.join("target"), PathBuf::from);
    let binary = target.join("release").join("pkgallow");
    let built = std::fs::metadata(&binary)
        .and_then(|metadata| metadata.modified())
        .unwrap_or_else(|_| {
            panic!(
                "{} is missing: run `cargo build --release` first (benches/run.sh does)",
                binary.display()
            )
        });
    let newest = newest_source(&manifest_dir.join("src"));
    assert!(
        newest <= built,
        "{} is older than the sources: run `cargo build --release` first (benches/run.sh does)",
        binary.display()
    );
    binary
}

fn newest_source(directory: &Path) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    for entry in ignore::WalkBuilder::new(directory)
        .build()
        .filter_map(Result::ok)
    {
        if let Ok(modified) = std::fs::metadata(entry.path()).and_then(|meta| meta.modified()) {
            newest = newest.max(modified);
        }
    }
    newest
}

// ---------------------------------------------------------------------------------------
// Deterministic content.

/// `SplitMix64`: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        let n = u64::try_from(n).expect("small bound");
        usize::try_from(self.next() % n).expect("fits")
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn hex(&mut self, digits: usize) -> String {
        let mut out = String::with_capacity(digits);
        while out.len() < digits {
            let _ = write!(out, "{:016x}", self.next());
        }
        out.truncate(digits);
        out
    }
}

const PACKAGES: &[&str] = &[
    "numpy",
    "pandas",
    "scipy",
    "requests",
    "torch",
    "torchvision",
    "torchaudio",
    "scikit-learn",
    "matplotlib",
    "seaborn",
    "azure-ai-ml",
    "azure-identity",
    "azureml-core",
    "azureml-mlflow",
    "mlflow",
    "pydantic",
    "pydantic-settings",
    "fastapi",
    "uvicorn",
    "black",
    "pytest",
    "pytest-cov",
    "pytest-xdist",
    "mypy",
    "ruff",
    "typing-extensions",
    "PyYAML",
    "click",
    "Jinja2",
    "SQLAlchemy",
    "psycopg2-binary",
    "boto3",
    "transformers",
    "datasets",
    "tokenizers",
    "accelerate",
    "tqdm",
    "rich",
    "httpx",
    "attrs",
    "protobuf",
    "grpcio",
    "onnxruntime",
    "opencv-python-headless",
    "Pillow",
    "lightgbm",
    "xgboost",
    "python-dateutil",
    "pytz",
    "six",
    "certifi",
    "charset-normalizer",
    "idna",
    "urllib3",
    "packaging",
    "setuptools",
    "wheel",
    "pyarrow",
    "polars",
    "dask",
    "ray",
    "sentencepiece",
    "safetensors",
    "huggingface-hub",
    "pywin32",
    "colorama",
    "python_json_logger",
    "zope.interface",
];

const EXTRAS: &[&str] = &[
    "standard",
    "socks",
    "security",
    "all",
    "dev",
    "test",
    "cuda12",
    "socks,security",
];

const MARKERS: &[&str] = &[
    "python_version < \"3.11\"",
    "sys_platform == \"win32\"",
    "sys_platform != \"win32\"",
    "platform_machine == \"x86_64\" and python_version >= \"3.9\"",
    "implementation_name == \"cpython\"",
    "os_name == \"posix\" or python_full_version >= \"3.12.1\"",
    "extra == \"gpu\"",
];

const COMMENTS: &[&str] = &[
    "# via -r requirements.in",
    "# pinned: see issue 1234",
    "# keep in step with the training image",
    "#",
    "# This file is autogenerated by pip-compile with Python 3.11",
    "# GPU builds come from the PyTorch index",
];

const REPOS: &[&str] = &[
    "example-org/feature-store",
    "example-org/shared-utils",
    "example-org/ml-metrics",
    "contoso/data-loaders",
    "contoso/tokenizer-fork",
];

fn version(rng: &mut Rng) -> String {
    format!("{}.{}.{}", rng.below(5), rng.below(30), rng.below(12))
}

/// One logical requirements line (possibly several physical lines), with its newline.
fn requirement_line(rng: &mut Rng, out: &mut String) {
    let name = rng.pick(PACKAGES);
    let v = version(rng);
    match rng.below(100) {
        0..=29 => {
            let _ = writeln!(out, "{name}=={v}");
        }
        30..=39 => {
            let major = rng.below(5);
            let _ = writeln!(out, "{name}>={major}.{},<{}", rng.below(20), major + 1);
        }
        40..=44 => {
            let _ = writeln!(out, "{name}~={}.{}", rng.below(5), rng.below(20));
        }
        45..=52 => {
            let extra = rng.pick(EXTRAS);
            let _ = writeln!(out, "{name}[{extra}]>={v}");
        }
        53..=60 => {
            let marker = rng.pick(MARKERS);
            let _ = writeln!(out, "{name}=={v} ; {marker}");
        }
        61..=64 => {
            let _ = writeln!(out, "{name}");
        }
        65..=69 => {
            let comment = rng.pick(COMMENTS);
            let _ = writeln!(out, "{name}=={v}  {comment}");
        }
        70..=84 => {
            // pip-compile --generate-hashes style.
            let _ = writeln!(out, "{name}=={v} \\");
            let hashes = 1 + rng.below(3);
            for index in 0..hashes {
                let more = if index + 1 < hashes { " \\" } else { "" };
                let _ = writeln!(out, "    --hash=sha256:{}{more}", rng.hex(64));
            }
        }
        85..=88 => {
            let comment = rng.pick(COMMENTS);
            let _ = writeln!(out, "{comment}");
        }
        89..=90 => {
            let repo = rng.pick(REPOS);
            let egg = repo.rsplit('/').next().unwrap_or(repo);
            let _ = writeln!(out, "git+https://github.com/{repo}.git@v{v}#egg={egg}");
        }
        91 => {
            let repo = rng.pick(REPOS);
            let egg = repo.rsplit('/').next().unwrap_or(repo);
            let _ = writeln!(out, "-e git+https://github.com/{repo}.git@main#egg={egg}");
        }
        92 => {
            let repo = rng.pick(REPOS);
            let _ = writeln!(
                out,
                "{name} @ git+https://github.com/{repo}.git@{}",
                rng.hex(40)
            );
        }
        93 => {
            let _ = writeln!(out, "{name} @ https://example.com/dist/{name}-{v}.tar.gz");
        }
        94 => {
            let file = name.replace('-', "_");
            let _ = writeln!(
                out,
                "https://example.com/wheels/{file}-{v}-py3-none-any.whl"
            );
        }
        95 => {
            let _ = writeln!(out, "torch=={v}+cu121");
        }
        _ => out.push('\n'),
    }
}

/// A requirements file of `lines` logical lines, with the options a project uses.
fn requirements_file(rng: &mut Rng, lines: usize, includes: &[&str]) -> String {
    let mut out = String::new();
    if rng.chance(40) {
        out.push_str(rng.pick(COMMENTS));
        out.push('\n');
    }
    for include in includes {
        let _ = writeln!(out, "-r {include}");
    }
    if rng.chance(20) {
        out.push_str("--extra-index-url https://download.pytorch.org/whl/cu121\n");
    }
    if rng.chance(4) {
        out.push_str("--index-url https://example.com/pypi/simple\n");
    }
    if rng.chance(3) {
        out.push_str("--find-links https://example.com/wheels/\n");
    }
    for _ in 0..lines {
        requirement_line(rng, &mut out);
    }
    out
}

/// An npm lockfile (v3) of about `bytes` bytes, with its package count: nested packages,
/// each with a `resolved` URL on the npm registry (a quarter of them scoped), an
/// integrity hash and dependencies.
fn generate_package_lock(bytes: usize, seed: u64) -> (String, usize) {
    // The registry host is assembled from its reversed labels: the repository never
    // writes it forward.
    let registry = pkgallow::host::reverse("org.npmjs.registry");
    let mut rng = Rng(seed);
    let mut out = String::with_capacity(bytes + 1024);
    let mut packages = 0;
    out.push_str("{\n  \"name\": \"monorepo\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {\n    \"\": {\n      \"name\": \"monorepo\",\n      \"version\": \"1.0.0\"\n    }");
    while out.len() < bytes {
        let index = packages;
        packages += 1;
        let base = PACKAGES[rng.below(PACKAGES.len())].to_ascii_lowercase();
        let name = if index % 4 == 0 {
            format!("@scope{}/{base}-{index}", index % 7)
        } else {
            format!("{base}-{index}")
        };
        let tail = name.rsplit('/').next().unwrap_or(&name).to_string();
        let version = format!("{}.{}.{}", rng.below(20), rng.below(30), rng.below(10));
        let _ = write!(
            out,
            ",\n    \"node_modules/{name}\": {{\n      \"version\": \"{version}\",\n      \"resolved\": \"https://{registry}/{name}/-/{tail}-{version}.tgz\",\n      \"integrity\": \"sha512-{:016x}{:016x}{:016x}==\",\n      \"license\": \"MIT\",\n      \"dependencies\": {{\n        \"{}-{}\": \"^{}.0.0\"\n      }}\n    }}",
            rng.next(),
            rng.next(),
            rng.next(),
            PACKAGES[rng.below(PACKAGES.len())].to_ascii_lowercase(),
            rng.below(packages + 1000),
            rng.below(9) + 1,
        );
    }
    out.push_str("\n  }\n}\n");
    (out, packages)
}

/// The 10 MB file: a long pip-compile-like lock with every kind of line.
fn generate_big_requirements(bytes: usize) -> String {
    let mut rng = Rng(0x5eed_0000_0000_0010);
    let mut out = String::with_capacity(bytes + 4096);
    out.push_str("# This file is autogenerated by pip-compile with Python 3.11\n");
    out.push_str("--extra-index-url https://download.pytorch.org/whl/cu121\n");
    while out.len() < bytes {
        requirement_line(&mut rng, &mut out);
    }
    out
}

struct TreeStats {
    files: usize,
    requirements: usize,
    directories: usize,
    bytes: usize,
}

struct TreeWriter {
    stats: TreeStats,
}

impl TreeWriter {
    fn write(&mut self, path: &Path, content: &str) {
        if let Some(parent) = path.parent()
            && !parent.is_dir()
        {
            let mut missing = 0;
            let mut ancestor = Some(parent);
            while let Some(directory) = ancestor {
                if directory.is_dir() {
                    break;
                }
                missing += 1;
                ancestor = directory.parent();
            }
            std::fs::create_dir_all(parent).expect("directories can be created");
            self.stats.directories += missing;
        }
        std::fs::write(path, content).expect("files can be written");
        self.stats.files += 1;
        self.stats.bytes += content.len();
    }
}

const MODULES: &[&str] = &[
    "models",
    "train",
    "data",
    "utils",
    "config",
    "metrics",
    "io",
    "serving",
    "features",
    "pipelines",
];

const DOCS: &[&str] = &[
    "index",
    "usage",
    "design",
    "changelog",
    "deploy",
    "faq",
    "api",
    "contributing",
];

fn python_source(rng: &mut Rng, module: &str) -> String {
    let mut out = format!("\"\"\"{module}: part of the generated benchmark tree.\"\"\"\n\n");
    out.push_str("from __future__ import annotations\n\nimport logging\nimport os\n\n");
    out.push_str("LOG = logging.getLogger(__name__)\n\n");
    for function in 0..=rng.below(7) {
        let _ = write!(
            out,
            "\ndef step_{function}(value: int, *, scale: float = {}.0) -> float:\n    \
             \"\"\"Scales a value.\"\"\"\n    LOG.debug(\"step {function} %s\", value)\n    \
             return value * scale + {}\n\n",
            1 + rng.below(9),
            rng.below(100)
        );
    }
    out
}

fn markdown(rng: &mut Rng, title: &str) -> String {
    let mut out = format!("# {title}\n\n");
    for paragraph in 0..=rng.below(5) {
        let _ = writeln!(
            out,
            "Paragraph {paragraph}: install with `pip install -r requirements.txt`, then run \
             `make train`. Data lives in the workspace datastore.\n"
        );
    }
    out
}

fn json(rng: &mut Rng) -> String {
    let mut out = String::from("{\n");
    let entries = 1 + rng.below(12);
    for entry in 0..entries {
        let comma = if entry + 1 < entries { "," } else { "" };
        let _ = writeln!(out, "  \"key_{entry}\": {}{comma}", rng.below(10_000));
    }
    out.push_str("}\n");
    out
}

/// Writes the tree: `group-GG/proj-PPP/` projects, each with twenty dependency files (see
/// [`dependency_files`]) and its share of other files.
fn generate_tree(root: &Path) -> TreeStats {
    let mut rng = Rng(0x5eed_0000_0000_0001);
    let mut writer = TreeWriter {
        stats: TreeStats {
            files: 0,
            requirements: 0,
            directories: 1,
            bytes: 0,
        },
    };
    std::fs::create_dir_all(root).expect("the tree root can be created");
    writer.write(
        &root.join(".gitignore"),
        "__pycache__/\n*.pyc\nbuild/\n.venv/\n",
    );
    writer.write(&root.join("README.md"), &markdown(&mut rng, "Monorepo"));
    assert_eq!(
        REQUIREMENTS_FILES / PROJECTS,
        DEPENDENCY_FILES_PER_PROJECT,
        "the layout has twenty per project"
    );
    let others = TOTAL_FILES - REQUIREMENTS_FILES - writer.stats.files;
    for project in 0..PROJECTS {
        let dir = root
            .join(format!("group-{:02}", project % GROUPS))
            .join(format!("proj-{project:03}"));
        dependency_files(&mut rng, &mut writer, &dir, project);
        let mut budget = others / PROJECTS + usize::from(project < others % PROJECTS);
        if budget > 0 && project % 5 == 0 {
            writer.write(&dir.join(".gitignore"), "*.log\n.cache/\n");
            budget -= 1;
        }
        project_files(&mut rng, &mut writer, &dir, project, budget);
    }
    assert_eq!(writer.stats.files, TOTAL_FILES);
    assert_eq!(writer.stats.requirements, REQUIREMENTS_FILES);
    writer.stats
}

const DEPENDENCY_FILES_PER_PROJECT: usize = 20;

/// Twenty dependency files of a project, one or more of every ecosystem pkgallow reads:
/// four requirements files (two with `-r` includes), `pyproject.toml`, `setup.cfg`,
/// `Pipfile`, `pip.conf`, a conda `environment.yml`, an Azure ML environment and job,
/// a notebook, a `Dockerfile`, `package.json`, a small `package-lock.json`, `.npmrc`,
/// `Cargo.toml`, `go.mod`, `pom.xml` and a Python module that loads a model. Registry
/// hosts are assembled from reversed labels (`pkgallow::host::reverse`).
fn dependency_files(rng: &mut Rng, writer: &mut TreeWriter, dir: &Path, project: usize) {
    let pypi = pkgallow::host::reverse("org.pypi");
    let npm = pkgallow::host::reverse("org.npmjs.registry");
    let name = format!("proj-{project:03}");
    let mut files: Vec<(String, String)> = Vec::new();
    let lines = 5 + rng.below(40);
    files.push((
        "requirements.txt".into(),
        requirements_file(rng, lines, &[]),
    ));
    let lines = 3 + rng.below(10);
    files.push((
        "requirements-dev.txt".into(),
        requirements_file(rng, lines, &["requirements.txt"]),
    ));
    let lines = 5 + rng.below(30);
    files.push((
        "requirements/base.txt".into(),
        requirements_file(rng, lines, &[]),
    ));
    let lines = 2 + rng.below(8);
    files.push((
        "requirements/test.txt".into(),
        requirements_file(rng, lines, &["base.txt"]),
    ));
    let deps: Vec<String> = (0..3 + rng.below(8))
        .map(|_| format!("\"{}>={}\"", rng.pick(PACKAGES), version(rng)))
        .collect();
    files.push((
        "pyproject.toml".into(),
        format!(
            "[project]\nname = \"{name}\"\nversion = \"0.1.0\"\nrequires-python = \">=3.10\"\n\
             dependencies = [\n    {}\n]\n\n[project.optional-dependencies]\ngpu = [\"torch>=2.1\"]\n\n\
             [[tool.uv.index]]\nname = \"pytorch\"\nurl = \"https://download.pytorch.org/whl/cu121\"\n\n\
             [build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n",
            deps.join(",\n    ")
        ),
    ));
    files.push((
        "setup.cfg".into(),
        format!(
            "[metadata]\nname = {name}\n\n[options]\ninstall_requires =\n    {}\n    {}\n",
            rng.pick(PACKAGES),
            rng.pick(PACKAGES)
        ),
    ));
    files.push((
        "Pipfile".into(),
        format!(
            "[[source]]\nurl = \"https://{pypi}/simple\"\nverify_ssl = true\nname = \"pypi\"\n\n\
             [packages]\n{} = \"*\"\n{} = \">={}\"\n\n[dev-packages]\npytest = \"*\"\n",
            rng.pick(PACKAGES),
            rng.pick(PACKAGES),
            version(rng)
        ),
    ));
    files.push((
        "pip.conf".into(),
        "[global]\nextra-index-url = https://download.pytorch.org/whl/cu121\ntimeout = 60\n".into(),
    ));
    let conda_pip: Vec<String> = (0..2 + rng.below(6))
        .map(|_| format!("      - {}=={}", rng.pick(PACKAGES), version(rng)))
        .collect();
    let conda = format!(
        "name: {name}\nchannels:\n  - conda-forge\n  - pytorch\n  - nvidia\ndependencies:\n  - python=3.11\n  \
         - numpy=1.26\n  - pytorch::pytorch=2.1\n  - pip\n  - pip:\n      - --extra-index-url https://download.pytorch.org/whl/cu121\n{}\n",
        conda_pip.join("\n")
    );
    files.push(("environment.yml".into(), conda));
    files.push((
        "azureml/environment.yml".into(),
        format!(
            "$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\n\
             name: {name}-env\nimage: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest\n\
             conda_file: ../environment.yml\ndescription: training environment\n"
        ),
    ));
    files.push((
        "azureml/job.yml".into(),
        format!(
            "$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\n\
             command: python train.py --epochs {}\ncode: ../src\nenvironment:\n  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest\n  conda_file: ../environment.yml\n\
             compute: azureml:gpu-cluster\nexperiment_name: {name}\n",
            1 + rng.below(20)
        ),
    ));
    files.push((
        "notebooks/train.ipynb".into(),
        format!(
            "{{\n \"cells\": [\n  {{\n   \"cell_type\": \"code\",\n   \"execution_count\": null,\n   \
             \"metadata\": {{}},\n   \"outputs\": [],\n   \"source\": [\n    \"%pip install {}=={} {}\\n\"\n   ]\n  }},\n  \
             {{\n   \"cell_type\": \"code\",\n   \"execution_count\": null,\n   \"metadata\": {{}},\n   \"outputs\": [],\n   \
             \"source\": [\n    \"from transformers import AutoModel\\n\",\n    \"model = AutoModel.from_pretrained(\\\"bert-base-uncased\\\")\\n\"\n   ]\n  }},\n  \
             {{\n   \"cell_type\": \"markdown\",\n   \"metadata\": {{}},\n   \"source\": [\n    \"# Training {name}\\n\"\n   ]\n  }}\n ],\n \
             \"metadata\": {{\n  \"kernelspec\": {{\n   \"display_name\": \"Python 3\",\n   \"language\": \"python\",\n   \"name\": \"python3\"\n  }}\n }},\n \
             \"nbformat\": 4,\n \"nbformat_minor\": 5\n}}\n",
            rng.pick(PACKAGES),
            version(rng),
            rng.pick(PACKAGES)
        ),
    ));
    files.push((
        "Dockerfile".into(),
        format!(
            "FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest\n\
             RUN apt-get update && apt-get install -y --no-install-recommends git curl && rm -rf /var/lib/apt/lists/*\n\
             COPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n\
             RUN pip install {}=={}\nENTRYPOINT [\"python\", \"serve.py\"]\n",
            rng.pick(PACKAGES),
            version(rng)
        ),
    ));
    files.push((
        "web/package.json".into(),
        format!(
            "{{\n  \"name\": \"{name}-web\",\n  \"version\": \"1.0.0\",\n  \"private\": true,\n  \"dependencies\": {{\n    \
             \"react\": \"^18.2.0\",\n    \"left-pad\": \"^1.{}.0\",\n    \"shared-ui\": \"github:example-org/shared-ui#v{}\"\n  }},\n  \
             \"devDependencies\": {{\n    \"typescript\": \"^5.3.0\"\n  }}\n}}\n",
            rng.below(9),
            version(rng)
        ),
    ));
    files.push((
        "web/package-lock.json".into(),
        generate_package_lock(2_000 + rng.below(6_000), rng.next()).0,
    ));
    files.push((
        "web/.npmrc".into(),
        format!("registry=https://{npm}/\n@example:registry=https://npm.example.com/\n"),
    ));
    files.push((
        "native/Cargo.toml".into(),
        format!(
            "[package]\nname = \"native-{project}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nserde = \"1\"\nregex = \"1.{}\"\nforked = {{ git = \"https://github.com/example-org/forked\", tag = \"v{}\" }}\n",
            rng.below(11),
            version(rng)
        ),
    ));
    files.push((
        "service/go.mod".into(),
        format!(
            "module github.com/example-org/{name}\n\ngo 1.22\n\nrequire (\n\tgithub.com/google/uuid v1.{}.0\n\t\
             golang.org/x/sync v0.{}.0\n)\n",
            rng.below(7),
            rng.below(9)
        ),
    ));
    files.push((
        "jvm/pom.xml".into(),
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  \
             <modelVersion>4.0.0</modelVersion>\n  <groupId>com.example</groupId>\n  <artifactId>{name}</artifactId>\n  \
             <version>1.0.{}</version>\n  <repositories>\n    <repository>\n      <id>internal</id>\n      \
             <url>https://maven.example.com/releases</url>\n    </repository>\n  </repositories>\n  <dependencies>\n    \
             <dependency>\n      <groupId>com.google.guava</groupId>\n      <artifactId>guava</artifactId>\n      \
             <version>33.0.0-jre</version>\n    </dependency>\n  </dependencies>\n</project>\n",
            rng.below(30)
        ),
    ));
    files.push((
        "src/load_model.py".into(),
        format!(
            "\"\"\"Loads the model for {name}.\"\"\"\n\nfrom transformers import AutoModel, AutoTokenizer\n\n\
             MODEL = \"distilbert-base-uncased\"\n\n\ndef load():\n    tokenizer = AutoTokenizer.from_pretrained(MODEL)\n    \
             model = AutoModel.from_pretrained(\"bert-base-cased\", revision=\"v{}\")\n    return tokenizer, model\n",
            rng.below(4)
        ),
    ));
    assert_eq!(files.len(), DEPENDENCY_FILES_PER_PROJECT);
    for (path, content) in files {
        writer.write(&dir.join(path), &content);
        writer.stats.requirements += 1;
    }
}

/// `budget` non-dependency files in nested directories of a project.
fn project_files(
    rng: &mut Rng,
    writer: &mut TreeWriter,
    dir: &Path,
    project: usize,
    budget: usize,
) {
    let package = format!("pkg_{project:03}");
    for index in 0..budget {
        let module = rng.pick(MODULES);
        let path = match index % 12 {
            0 => dir.join("README.md"),
            1 => dir.join("notes.txt"),
            2 | 3 => dir
                .join("docs")
                .join(format!("{}-{index}.md", rng.pick(DOCS))),
            4 => dir.join("config").join(format!("{module}-{index}.json")),
            5 => dir.join("tests").join(format!("test_{module}_{index}.py")),
            6 => dir
                .join("src")
                .join(&package)
                .join("__pycache__")
                .join(format!("{module}_{index}.cpython-311.pyc")),
            7 => dir.join("data").join(format!("sample-{index}.txt")),
            10 => dir.join("assets").join(format!("figure-{index}.svg")),
            11 => dir.join("data").join(format!("table-{index}.csv")),
            _ => {
                // A handful of sub-packages, some with an `internal` level.
                let sub = rng.pick(&MODULES[..4]);
                let mut path = dir.join("src").join(&package).join(sub);
                if rng.chance(30) {
                    path = path.join("internal");
                }
                path.join(format!("{module}_{index}.py"))
            }
        };
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default()
            .to_string();
        let content = match path.extension().and_then(|extension| extension.to_str()) {
            Some("py") => python_source(rng, &name),
            Some("md") => markdown(rng, &name),
            Some("json") => json(rng),
            Some("pyc") => "\u{1}compiled".repeat(8 + rng.below(40)),
            _ => format!("notes for {package}: {}\n", rng.hex(32)),
        };
        // README.md and notes.txt come round again every twelve files: keep one each.
        let path = if path.exists() {
            path.with_file_name(format!("extra-{index}-{name}"))
        } else {
            path
        };
        writer.write(&path, &content);
    }
}
