#!/usr/bin/env bash
# Run every fuzz target in fuzz/ for SECONDS each (default 60) and print, per target, the
# executions and the findings (crash, timeout, out-of-memory, leak inputs libFuzzer saved).
#
#   scripts/fuzz.sh [SECONDS]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). Uses RUSTC_BOOTSTRAP=1 so the pinned
# stable toolchain can build with the sanitizer flags cargo-fuzz passes. Corpora grow in
# fuzz/corpus/<target> (seeded from fuzz/seeds/<target>), findings land in
# fuzz/artifacts/<target>; replay one with `RUSTC_BOOTSTRAP=1 cargo fuzz run <target> FILE`.
# Exits 1 when any target has findings, 2 when cargo-fuzz is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-60}"
if ! [[ "$secs" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: scripts/fuzz.sh [SECONDS]  (a positive whole number of seconds per target)" >&2
    exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: cargo-fuzz is not installed (cargo install cargo-fuzz --locked)" >&2
    exit 2
fi
export RUSTC_BOOTSTRAP=1

targets=$(cargo fuzz list)
echo "fuzz: building $(echo "$targets" | wc -l) targets"
cargo fuzz build 2>&1 | tail -n 3

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
failed=0
summary=()
for t in $targets; do
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    cp -n "fuzz/seeds/$t"/* "fuzz/corpus/$t/" 2>/dev/null || true
    before=$(find "fuzz/artifacts/$t" -type f | wc -l)
    echo "fuzz: $t for ${secs}s"
    # -timeout: one input running 10 s counts as a hang; -rss_limit_mb: 2 GB as a memory blow-up.
    status=0
    cargo fuzz run "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 >"$logs/$t" 2>&1 || status=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$logs/$t" | grep -o '[0-9]*$' | tail -n 1)
    after=$(find "fuzz/artifacts/$t" -type f | wc -l)
    found=$((after - before))
    if [ "$status" -ne 0 ] && [ "$found" -eq 0 ]; then
        found=1 # libFuzzer stopped without saving an input (e.g. a build or startup failure)
    fi
    if [ "$found" -ne 0 ]; then
        failed=1
        echo "fuzz: $t FAILED (exit $status); last lines of its log:"
        tail -n 30 "$logs/$t"
        find "fuzz/artifacts/$t" -type f -newer "$logs" 2>/dev/null | sed 's/^/fuzz:   saved /'
    fi
    summary+=("$(printf '%-16s %12s executions  %d findings' "$t" "${execs:-?}" "$found")")
done

echo "fuzz: summary (${secs}s per target)"
printf 'fuzz: %s\n' "${summary[@]}"
exit "$failed"
