#!/usr/bin/env bash
# Scan benchmark: benches/run.sh (from anywhere; about a minute, most of it building).
#
# Builds the release binary (`cargo build --release`; the bench itself cannot build it and
# refuses one older than src/), then runs `cargo bench --bench scan`, which generates, in
# a temporary directory, a deterministic 200,000-file monorepo holding 10,000 dependency
# files of every format pkgallow reads, a 10 MB requirements file and a 100 MB
# package-lock.json; runs `target/release/pkgallow scan DIR --format json > /dev/null` on
# each and on the azureml-examples corpus (1 warm-up + 5 timed runs with a warm page
# cache; wall time, CPU time and peak RSS of every run measured separately with
# getrusage); times the bare walk of the tree in-process as the floor, and for reference
# the same walk reading every file a scan reads (parsing nothing); runs trivy, syft
# and cdxgen on the same inputs where installed; and prints a table against the targets.
# About a minute on 2 cores once built. CARGO_TARGET_DIR is honoured. To profile, set
# SCAN_BENCH_KEEP=DIR (keep the generated inputs) or SCAN_BENCH_PARSE_ONLY=1 (see the
# top of benches/scan.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release
cargo bench --bench scan
