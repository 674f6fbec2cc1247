#!/usr/bin/env bash
# End-to-end timings of the release binary on the SigmaHQ corpus in ../shared: wall time and peak
# memory of each command, the numbers compared with pySigma/sigma-cli (see the closing notes and docs).
# Usage: scripts/bench.sh [RUNS]   (criterion benches: cargo bench --bench parse|targets|attack)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
C=../shared/corpus/sigmahq
[ -d "$C/rules" ] || { echo "bench: $C not found, nothing to measure"; exit 0; }
cargo build --release --locked -q
B=target/release/sigmaforge
CI="$C/rules $C/rules-emerging-threats $C/rules-threat-hunting $C/rules-placeholder $C/rules-compliance"
ALL="$CI $C/deprecated $C/unsupported"
REPO=$(mktemp -d)
trap 'rm -rf "$REPO"' EXIT
cp -r $CI "$REPO"/
{
  echo "rules: [rules, rules-emerging-threats, rules-threat-hunting, rules-placeholder, rules-compliance]"
  echo "targets:"
  for t in es-qs es-rule kibana xpack-watcher elastalert eql esql; do
    echo "  - {name: $t, configs: [ecs-windows]}"
  done
} > "$REPO/.sigmaforge.yml"

measure() {
  local name=$1; shift
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$REPO/.t" "$@" >/dev/null 2>&1 || true
    read -r secs kb < "$REPO/.t"
    printf '%-44s %6ss %8s KiB\n' "$name" "$secs" "$kb"
  done
}

measure "parse all folders (check --no-validate)" $B check $ALL --no-validate --format json
measure "check CI folders, SigmaHQ config" $B check $CI --validation-config $C/tests/sigma_cli_conf.yml --format json
measure "convert rules/ to es-qs (ecs-windows)" $B convert -t es-qs -c ecs-windows $C/rules --format jsonl
measure "convert CI folders to 7 targets" $B convert -t es-qs,es-rule,kibana,xpack-watcher,elastalert,eql,esql -c ecs-windows $CI --format jsonl
measure "layer of CI folders" $B layer $CI -o "$REPO/layer.json"
measure "run: check + 7 targets + layer + reports" $B run --repo "$REPO"

# The evaluator: the CI folders' rules over one million generated events (each rule's witness events,
# cycled), as `sigmaforge test --events` backtests them. rsigma 0.23 is measured beside it when
# installed (`cargo install rsigma --version =0.23.0 --locked`).
EV="$REPO/witness"
$B test $CI --witness "$EV" >/dev/null 2>&1 || true
find "$EV" -name witness.ndjson | sort | xargs cat > "$REPO/one.ndjson"
python3 - "$REPO/one.ndjson" "$REPO/events.ndjson" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for i in range(1_000_000):
        out.write(lines[i % len(lines)] + "\n")
PY
echo "events: $(wc -l < "$REPO/events.ndjson") lines, $(du -m "$REPO/events.ndjson" | cut -f1) MB"
measure "test --events: 1M events x rules/" $B test --events "$REPO/events.ndjson" --format json --max-event-bytes 4000000000 $C/rules
if command -v rsigma >/dev/null; then
  # rsigma's CLI as its README documents it (`engine eval`, `-e @file`).
  measure "rsigma eval: 1M events x rules/" rsigma engine eval -r "$C/rules" -e @"$REPO/events.ndjson"
else
  echo "rsigma not installed: not measured"
fi
