#!/usr/bin/env bash
# The conversion proof over the whole SigmaHQ corpus (CI runs every 8th rule): every rule's witness
# events through its es-qs query on real Lucene and its EQL query on the eql package's engine,
# compared with the evaluator. Prints one table row per target and the disagreements.
# Needs liblucene8-java + a JDK, and `pip install eql==1.0.1` (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
SIGMAFORGE_PROOF_EVERY=1 cargo test --release --test all -- conversion_proof:: --nocapture --test-threads 1 2>&1 |
  grep -E '^(\| |  |test |test result)' || true
