#!/usr/bin/env bash
# Scan benchmark: benches/run.sh (from anywhere; about a minute, most of it building).
#
# Builds the release binary (`cargo build --release`; the bench itself cannot build it and
# refuses one older than src/), then runs `cargo bench --bench scan`, which generates, in
# a temporary directory, a deterministic tree of 50,000 files holding 2,000 requirements
# files and a 10 MB requirements file; runs `target/release/pkgallow scan DIR --format
# json > /dev/null` on each (1 warm-up + 5 timed runs with a warm page cache; wall time,
# CPU time and peak RSS of every run measured separately with getrusage); times the bare
# walk of the tree in-process as the floor, and `requirements_txt::parse` of the 10 MB
# file in-process; and prints a table against the targets: tree scan under 1 s and
# 100 MiB, 10 MB parse under 100 ms. CARGO_TARGET_DIR is honoured. To profile, set
# SCAN_BENCH_KEEP=DIR (keep the generated inputs) or SCAN_BENCH_PARSE_ONLY=1 (see the
# top of benches/scan.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release
cargo bench --bench scan
