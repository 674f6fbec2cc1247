#!/usr/bin/env bash
# Cross-built release binaries, verified on this machine (issue 15):
#
#   scripts/cross-build.sh build TARGET [PROFILE]   one target into dist-build/TARGET/ (the
#                                                   release workflow's build step)
#   scripts/cross-build.sh verify [TARGET...]       build each target, run it (natively, under
#                                                   qemu-user or wine) on examples/, and require
#                                                   the same artifact bytes as the native binary
#
# Linux (musl) and Windows (gnu) targets link with `cargo zigbuild` (zig from PyPI's `ziglang`);
# macOS targets use plain cargo on a macOS host, and zigbuild elsewhere (only ever tried here).
# Env: CARGO_TARGET_DIR (default ./target), PROFILE (default dist).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
TARGETS_ALL="x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-pc-windows-gnu x86_64-apple-darwin aarch64-apple-darwin"
TGT=${CARGO_TARGET_DIR:-$ROOT/target}

fail() { echo "cross-build: $*" >&2; exit 1; }
exe() { case $1 in *windows*) echo sigmaforge.exe ;; *) echo sigmaforge ;; esac; }

build() {
  local target=$1 profile=${2:-${PROFILE:-dist}}
  local tool=zigbuild
  case "$target" in *apple-darwin) [ "$(uname -s)" = Darwin ] && tool=build ;; esac
  if [ "$tool" = zigbuild ]; then
    command -v cargo-zigbuild >/dev/null ||
      fail "cargo-zigbuild missing: pip install ziglang && cargo install cargo-zigbuild --locked"
  fi
  cargo "$tool" --locked --profile "$profile" --target "$target" >&2 || return 1
  mkdir -p "dist-build/$target"
  cp "$TGT/$target/$profile/$(exe "$target")" "dist-build/$target/" || return 1
  echo "dist-build/$target/$(exe "$target")"
}

# Runs BINARY on a fresh copy of examples/ and prints one digest of every artifact's bytes.
artifacts_digest() {
  local runner=$1 bin=$2 work
  work=$(mktemp -d)
  cp -r examples/. "$work/"
  rm -rf "$work/sigmaforge-out"
  (cd "$work" && env -u GITHUB_ACTIONS -u GITHUB_EVENT_NAME $runner "$bin" convert rules \
      -t es-qs,es-rule,kibana,xpack-watcher,elastalert,eql,esql -c ecs-windows -o out >/dev/null 2>"$work/.stderr") ||
    { cat "$work/.stderr" >&2; rm -rf "$work"; return 1; }
  (cd "$work/out" && find . -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-64
  rm -rf "$work"
}

# A private 64-bit wine prefix with scripts/wine/bcryptprimitives.c built into it (wine 8.0 has no
# bcryptprimitives.dll, which Rust's std imports); sets WINE to the wine64 loader. Not run in a
# subshell: the WINE* variables must reach the runs.
wine_setup() {
  local wine
  wine=$(command -v wine64 || ls /usr/lib/wine/wine64 2>/dev/null) || return 1
  command -v x86_64-w64-mingw32-gcc >/dev/null || return 1
  export WINEARCH=win64 WINEPREFIX="$TGT/wine-prefix" WINEDEBUG=-all
  if [ ! -f "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" ]; then
    "$wine" wineboot -i >/dev/null 2>&1 || true
    x86_64-w64-mingw32-gcc -O2 -shared -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
      scripts/wine/bcryptprimitives.c -ladvapi32 >&2 || return 1
  fi
  WINE=$wine
}

verify() {
  local targets=${*:-$TARGETS_ALL} native ref
  native=$(build x86_64-unknown-linux-musl)
  ref=$(artifacts_digest "" "$ROOT/$native")
  printf '%-28s %10s  %-10s %s\n' target bytes run "artifacts (sha256 of all files)"
  for t in $targets; do
    local bin runner="" size desc got status
    if ! bin=$(build "$t" 2>"/tmp/cross-build-$t.log"); then
      printf '%-28s %10s  %-10s %s\n' "$t" - "not built" "$(grep -m1 -E 'error' "/tmp/cross-build-$t.log" | cut -c1-120)"
      continue
    fi
    size=$(stat -c %s "$bin")
    desc=$(file -b "$bin" | cut -d, -f1-2)
    case $t in
      x86_64-unknown-linux-musl) runner="" ;;
      aarch64-unknown-linux-musl) runner=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true) ;;
      *windows*) WINE=""; wine_setup || true; runner=$WINE ;;
      *apple-darwin) runner=none ;;
    esac
    if [ "$runner" = none ] || { [ -z "$runner" ] && [ "$t" != x86_64-unknown-linux-musl ]; }; then
      status="not run (no runner for $t on $(uname -s))"
    elif got=$(WINEDEBUG=-all artifacts_digest "$runner" "$ROOT/$bin" 2>"/tmp/cross-run-$t.log"); then
      if [ "$got" = "$ref" ]; then status="same bytes ($got)"; else status="DIFFERENT ($got vs $ref)"; fi
    else
      status="run failed: $(head -c 200 "/tmp/cross-run-$t.log")"
    fi
    printf '%-28s %10s  %-10s %s\n' "$t" "$size" "${runner:+$(basename "$runner")}" "$status"
    echo "    file: $desc"
  done
}

case ${1:-} in
  build) shift; [ $# -ge 1 ] || fail "usage: $0 build TARGET [PROFILE]"; build "$@" ;;
  verify) shift; verify "$@" ;;
  *) fail "usage: $0 build TARGET [PROFILE] | verify [TARGET...]" ;;
esac
