#!/usr/bin/env bash
# Builds every fuzz target once and runs each for FUZZ_SECONDS (default 20) from its
# checked-in seeds (fuzz/seeds/<target>/, copied into a scratch corpus so the seeds stay
# as committed). A crash, a hang (-timeout) or running out of memory (-rss_limit_mb)
# fails the run and prints the input that did it. Only stable Rust is needed:
# RUSTC_BOOTSTRAP=1 lets it take the nightly-only flags cargo-fuzz passes (sanitizers).
#
#   bash fuzz/run.sh                  every target
#   FUZZ_SECONDS=300 bash fuzz/run.sh toml yaml
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

CARGO_FUZZ_VERSION=0.13.1
seconds=${FUZZ_SECONDS:-20}
export RUSTC_BOOTSTRAP=1

fail() {
    echo "fuzz: $*" >&2
    exit 1
}

# libFuzzer is C++ (libfuzzer-sys compiles it): without a C++ compiler the build fails
# deep inside a build script, so say so first.
command -v c++ >/dev/null 2>&1 || command -v clang++ >/dev/null 2>&1 || command -v g++ >/dev/null 2>&1 ||
    fail "no C++ compiler (c++, g++ or clang++) on PATH; libFuzzer needs one (Debian: apt-get install g++)"

if ! cargo fuzz --version 2>/dev/null | grep -qF "$CARGO_FUZZ_VERSION"; then
    echo "installing cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked ||
        fail "cannot install cargo-fuzz $CARGO_FUZZ_VERSION"
fi

if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list --fuzz-dir fuzz)
fi
[[ ${#targets[@]} -gt 0 ]] || fail "no fuzz targets found"

started=$SECONDS
# cargo-fuzz has no --locked; fetching with it first fails when fuzz/Cargo.lock is stale.
cargo fetch --locked --manifest-path fuzz/Cargo.toml ||
    fail "fuzz/Cargo.lock is missing or out of date (run cargo fetch --manifest-path fuzz/Cargo.toml and commit it)"
cargo fuzz build --fuzz-dir fuzz ||
    fail "cannot build the fuzz targets (a sanitizer build needs RUSTC_BOOTSTRAP=1 on stable)"
echo "fuzz: built ${#targets[@]} targets in $((SECONDS - started))s"

scratch=fuzz/corpus
failed=()
summary=
for target in "${targets[@]}"; do
    seeds=fuzz/seeds/$target
    [[ -d $seeds ]] || fail "no seeds for $target (expected $seeds/)"
    corpus=$scratch/$target
    artifacts=fuzz/artifacts/$target
    rm -rf "$corpus" "$artifacts"
    mkdir -p "$corpus" "$artifacts"
    cp "$seeds"/* "$corpus"/
    dictionary=()
    [[ -f fuzz/dictionaries/$target.dict ]] && dictionary=("-dict=fuzz/dictionaries/$target.dict")
    echo "fuzz: $target for ${seconds}s"
    log=$artifacts/fuzz.log
    status=0
    cargo fuzz run --fuzz-dir fuzz "$target" "$corpus" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 "${dictionary[@]}" >"$log" 2>&1 || status=$?
    # The last status line carries the speed: "#N DONE cov: … exec/s: E …".
    grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 | sed "s/^/fuzz: $target: /" || true
    if [[ $status -ne 0 ]]; then
        tail -n 40 "$log" >&2
        crash=$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -n 1 | sed 's/Test unit written to //')
        echo "fuzz: $target FAILED (exit $status); input: ${crash:-none written, see $log}" >&2
        echo "fuzz: reproduce with: RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz $target ${crash:-}" >&2
        failed+=("$target")
        # CI keeps only the end of its output and the artifact dies with the CI machine:
        # the summary at the very end carries the panic message and the input itself.
        summary+="fuzz: $target: $(grep -m 1 -A 1 -E 'panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer' "$log" | tr '\n' ' ')"$'\n'
        if [[ -n ${crash:-} && -f $crash && $(stat -c %s "$crash") -le 4096 ]]; then
            summary+="fuzz: $target: input (base64; decode into tests/fixtures/fuzz-regressions/$target/): $(base64 -w 0 "$crash")"$'\n'
        fi
    fi
done

echo "fuzz: done in $((SECONDS - started))s"
[[ ${#failed[@]} -eq 0 ]] || fail "failed: ${failed[*]}"$'\n'"$summary"
