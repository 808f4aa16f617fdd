//! Fuzz target `policy`: see `pkgallow_fuzz::TARGETS` (fuzz/src/lib.rs) for what it
//! feeds and checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assert!(
        pkgallow_fuzz::run("policy", data),
        "no target `policy` in TARGETS"
    );
});
