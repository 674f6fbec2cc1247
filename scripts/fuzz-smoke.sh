#!/usr/bin/env bash
# Short fuzzing smoke run for CI: every target for SECONDS (default 10) via scripts/fuzz.sh.
# Installs cargo-fuzz from crates.io if missing; if that is impossible, says why and exits 0
# (a skip, printed, not a silent pass). Findings fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-smoke: installing cargo-fuzz"
    if ! cargo install cargo-fuzz --locked >/tmp/fuzz-smoke-install.log 2>&1; then
        echo "fuzz-smoke: SKIPPED: cargo-fuzz could not be installed:"
        tail -n 5 /tmp/fuzz-smoke-install.log
        exit 0
    fi
fi
exec scripts/fuzz.sh "$secs"
