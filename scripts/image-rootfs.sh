#!/usr/bin/env bash
# Lay out the container image's whole file system in one folder, so the Dockerfile's final stage is
# a single `COPY <folder>/ /`: a folder copied as a *child* keeps its mode, which is how /tmp gets
# 1777 (copying a folder's contents onto /tmp created it 0755, without the sticky bit).
#
#   scripts/image-rootfs.sh BINARY CA_BUNDLE OUT_DIR
#
# Used by the Dockerfile's build stage and by scripts/image-smoke.sh (CI), so both ship the same tree.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 BINARY CA_BUNDLE OUT_DIR" >&2; exit 2; }
bin=$1 ca=$2 out=$3
[ -x "$bin" ] || { echo "image-rootfs: $bin is not an executable" >&2; exit 1; }
[ -s "$ca" ] || { echo "image-rootfs: CA bundle $ca is missing or empty" >&2; exit 1; }
rm -rf "$out"
install -D -m 0755 "$bin" "$out/usr/local/bin/sigmaforge"
install -D -m 0644 "$ca" "$out/etc/ssl/certs/ca-certificates.crt"
mkdir -p "$out/tmp"
chmod 1777 "$out/tmp"
