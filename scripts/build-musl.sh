#!/usr/bin/env bash
# Build the static x86_64 musl binary used by the container image (the `dist` profile of Cargo.toml:
# thin LTO, one codegen unit, stripped, panic=abort), and check it.
#
# Installs nothing: it checks prerequisites and says how to get them. On Debian/Ubuntu:
#   apt-get install -y musl-tools file
#   rustup target add x86_64-unknown-linux-musl
# ring (rustls' crypto) compiles C, hence musl-gcc as the target C compiler.
#
# Env: CARGO_TARGET_DIR (default ./target), MAX_BYTES (default 10000000 = 10 MB; 9.71 MB measured
# with the embedded data deflated and the dist profile's size settings).
# Extra arguments are passed to `cargo build`.
set -euo pipefail

TARGET=x86_64-unknown-linux-musl
MAX_BYTES=${MAX_BYTES:-10000000}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

fail() { echo "build-musl: $*" >&2; exit 1; }

command -v cargo >/dev/null || fail "cargo not found"
command -v rustc >/dev/null || fail "rustc not found"
SYSROOT=$(rustc --print sysroot)
[ -d "$SYSROOT/lib/rustlib/$TARGET" ] ||
  fail "Rust std for $TARGET is missing: rustup target add $TARGET"
export CC_x86_64_unknown_linux_musl=${CC_x86_64_unknown_linux_musl:-musl-gcc}
command -v "$CC_x86_64_unknown_linux_musl" >/dev/null ||
  fail "$CC_x86_64_unknown_linux_musl not found: apt-get install -y musl-tools"
[ -f Cargo.lock ] || fail "Cargo.lock missing: the release build is --locked"

cargo build --profile dist --locked --target "$TARGET" "$@"

BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$TARGET/dist/sigmaforge"
[ -x "$BIN" ] || fail "binary not found at $BIN"

# Static check: `file` says "statically linked" or "static-pie linked"; ldd says
# "not a dynamic executable" or "statically linked". Either tool suffices.
static=no
if command -v file >/dev/null; then
  desc=$(file -b "$BIN")
  echo "file: $desc"
  case "$desc" in *"statically linked"* | *"static-pie linked"*) static=yes ;; esac
fi
if command -v ldd >/dev/null; then
  ldd_out=$(ldd "$BIN" 2>&1 || true)
  echo "ldd: $ldd_out"
  case "$ldd_out" in *"not a dynamic executable"* | *"statically linked"*) static=yes ;; esac
fi
[ "$static" = yes ] || fail "$BIN is not statically linked"

bytes=$(stat -c %s "$BIN")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1000000 }')
echo "binary: $BIN"
echo "size: $bytes bytes ($mb MB)"
[ "$bytes" -le "$MAX_BYTES" ] || fail "binary is $bytes bytes, over the $MAX_BYTES-byte budget"
echo "build-musl: OK"
