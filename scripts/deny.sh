#!/usr/bin/env bash
# Supply-chain checks with cargo-deny and deny.toml: licences, bans (duplicate versions are
# warnings), sources, and RustSec advisories.
#
# Advisories need the RustSec database. If it cannot be fetched and no earlier copy exists, the
# offline checks still run (`licenses bans sources`) and the reason advisories were skipped is
# printed. If cargo-deny itself is missing, the script says so and exits 0 (a printed skip);
# set DENY_REQUIRED=1 to make that an error.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo deny --version >/dev/null 2>&1; then
    echo "deny: SKIPPED: cargo-deny is not installed (cargo install cargo-deny --locked)"
    [ "${DENY_REQUIRED:-0}" = 1 ] && exit 1
    exit 0
fi
echo "deny: $(cargo deny --version)"

# cargo-deny reads `cargo metadata`, which needs every locked crate (all platforms) on disk
# when offline: fetch them from crates.io first.
cargo fetch --locked --quiet

log=$(mktemp)
trap 'rm -f "$log"' EXIT
db_home="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
if timeout 120 cargo deny fetch db >"$log" 2>&1; then
    echo "deny: advisory database fetched"
    exec cargo deny --offline --locked check
fi
if compgen -G "$db_home/*/crates" >/dev/null; then
    echo "deny: advisory database could not be refreshed; using the earlier copy in $db_home:"
    sed 's/^/deny:   /' "$log" | tail -n 3
    exec cargo deny --offline --locked check
fi
echo "deny: advisories SKIPPED: the RustSec advisory database could not be fetched and there is no"
echo "deny: earlier copy in $db_home. cargo-deny said:"
sed 's/^/deny:   /' "$log" | tail -n 3
echo "deny: running the offline checks: licenses bans sources"
exec cargo deny --offline --locked check licenses bans sources
