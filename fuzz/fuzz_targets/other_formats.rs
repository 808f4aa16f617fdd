//! Fuzz target `other_formats`: see `pkgallow_fuzz::TARGETS` (fuzz/src/lib.rs) for what it
//! feeds and checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assert!(
        pkgallow_fuzz::run("other_formats", data),
        "no target `other_formats` in TARGETS"
    );
});
