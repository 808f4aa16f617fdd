//! Replays saved fuzz inputs through the fuzz targets' own bodies (fuzz/src/lib.rs, the
//! same file `cargo fuzz` builds), so that a crash the fuzzer found and a fix made for it
//! stay fixed in the normal test run, without libFuzzer or a sanitizer build. Every
//! input in `tests/fixtures/fuzz-regressions/<target>/` (crashes found, kept after the
//! fix) and the checked-in seeds in `fuzz/seeds/<target>/` goes through its target,
//! which also keeps the targets' file-name lists honest: a name no format claims panics.
//! libFuzzer aborts on any panic, even one the code catches and recovers from, so the
//! replay counts those too (a panic hook marks the thread).

use std::cell::Cell;
use std::path::Path;
use std::sync::Once;

use crate::support;

#[allow(unreachable_pub, dead_code, clippy::pedantic)]
#[path = "../../fuzz/src/lib.rs"]
mod harness;

thread_local! {
    /// Whether this thread panicked since it last looked, caught or not.
    static PANICKED: Cell<bool> = const { Cell::new(false) };
}

/// Chains a hook before the current one that marks the panicking thread; process-wide,
/// but other tests' threads only set their own mark.
fn mark_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.with(|panicked| panicked.set(true));
            previous(info);
        }));
    });
}

/// Runs every file under `base/<target>/` through its target; returns how many ran.
fn replay(base: &Path) -> usize {
    mark_panics();
    let mut inputs = 0;
    for directory in support::subdirectories(base) {
        let target = directory.file_name().unwrap().to_string_lossy().to_string();
        for path in support::files(&directory) {
            let data = std::fs::read(&path).unwrap();
            PANICKED.with(|panicked| panicked.set(false));
            let ran = std::panic::catch_unwind(|| harness::run(&target, &data))
                .unwrap_or_else(|_| panic!("{} panics in fuzz target `{target}`", path.display()));
            assert!(
                !PANICKED.with(Cell::get),
                "{} panics in fuzz target `{target}` (caught inside, but libFuzzer aborts)",
                path.display()
            );
            assert!(ran, "{}: no fuzz target `{target}`", directory.display());
            inputs += 1;
        }
    }
    inputs
}

#[test]
fn fuzz_regressions_stay_fixed() {
    let base = support::root().join("tests/fixtures/fuzz-regressions");
    assert!(replay(&base) > 0, "no inputs under {}", base.display());
}

#[test]
fn fuzz_seeds_pass_every_target() {
    let base = support::root().join("fuzz/seeds");
    replay(&base);
    // Every target has seeds, and every seed directory is a target.
    let seeded: Vec<String> = support::subdirectories(&base)
        .iter()
        .map(|directory| directory.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    let mut targets: Vec<String> = harness::TARGETS
        .iter()
        .map(|(name, _)| (*name).to_string())
        .collect();
    targets.sort();
    assert_eq!(seeded, targets);
}
