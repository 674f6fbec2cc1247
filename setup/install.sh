#!/usr/bin/env bash
# Installs a released sigmaforge binary for this runner (setup/action.yml); also usable by hand.
#
# Env: SIGMAFORGE_VERSION (tag or `latest`), SIGMAFORGE_REPOSITORY (owner/name),
#      SIGMAFORGE_DEST (install folder), GH_TOKEN (optional), GITHUB_SERVER_URL / GITHUB_API_URL
#      (set by the runner; GHES), SIGMAFORGE_BASE_URL (download base, overriding
#      $GITHUB_SERVER_URL/<repo>/releases/download: a mirror, or file:// in tests),
#      SIGMAFORGE_OS / SIGMAFORGE_ARCH (override `uname -s` / `uname -m`, for tests).
# Writes `path` and `version` to $GITHUB_OUTPUT and the folder to $GITHUB_PATH when set.
# The binary is installed only if its SHA-256 equals the release's SHA256SUMS line for it.
set -euo pipefail
fail() { echo "::error title=sigmaforge setup::$*" >&2; exit 1; }

version=${SIGMAFORGE_VERSION:-latest}
repo=${SIGMAFORGE_REPOSITORY:?SIGMAFORGE_REPOSITORY is not set}
dest=${SIGMAFORGE_DEST:?SIGMAFORGE_DEST is not set}
server=${GITHUB_SERVER_URL:-https://github.com}
api=${GITHUB_API_URL:-https://api.github.com}
os=${SIGMAFORGE_OS:-$(uname -s)}
arch=${SIGMAFORGE_ARCH:-$(uname -m)}

case "$os/$arch" in
  Linux/x86_64 | Linux/amd64) target=x86_64-unknown-linux-musl ;;
  Linux/aarch64 | Linux/arm64) target=aarch64-unknown-linux-musl ;;
  Darwin/x86_64) target=x86_64-apple-darwin ;;
  Darwin/arm64 | Darwin/aarch64) target=aarch64-apple-darwin ;;
  MINGW*/x86_64 | MSYS*/x86_64 | CYGWIN*/x86_64 | Windows_NT/*) target=x86_64-pc-windows-gnu ;;
  *) fail "no sigmaforge release binary for $os/$arch (released: Linux x86_64/aarch64, macOS x86_64/arm64, Windows x86_64)" ;;
esac
name=sigmaforge-$target
bin=sigmaforge
case $target in *windows*) name=$name.exe; bin=sigmaforge.exe ;; esac

auth=()
[ -n "${GH_TOKEN:-}" ] && auth=(-H "Authorization: Bearer $GH_TOKEN")
fetch() { curl -fsSL --retry 3 --proto '=https,file' "${auth[@]}" "$@"; }

if [ "$version" = latest ]; then
  [ -z "${SIGMAFORGE_BASE_URL:-}" ] ||
    fail "version 'latest' needs the GitHub API; with SIGMAFORGE_BASE_URL name a tag"
  version=$(fetch "$api/repos/$repo/releases/latest" |
    sed -n 's/^ *"tag_name": *"\([^"]*\)".*/\1/p' | head -n1)
  [ -n "$version" ] || fail "cannot resolve the latest release of $repo"
fi
[[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] ||
  fail "'$version' is not a release tag like v1.2.3"
base=${SIGMAFORGE_BASE_URL:-$server/$repo/releases/download}/$version

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fetch -o "$work/SHA256SUMS" "$base/SHA256SUMS" || fail "cannot download $base/SHA256SUMS"
fetch -o "$work/$name" "$base/$name" || fail "cannot download $base/$name"
want=$(awk -v n="$name" '$2 == n || $2 == "*"n {print $1}' "$work/SHA256SUMS")
[ -n "$want" ] || fail "SHA256SUMS of $version has no line for $name"
if command -v sha256sum >/dev/null; then
  got=$(sha256sum "$work/$name" | cut -d' ' -f1)
else
  got=$(shasum -a 256 "$work/$name" | cut -d' ' -f1)
fi
[ "$got" = "$want" ] || fail "checksum mismatch for $name: got $got, SHA256SUMS says $want"

mkdir -p "$dest"
install -m 0755 "$work/$name" "$dest/$bin"
echo "sigmaforge $version ($target) installed in $dest"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "path=$dest/$bin"; echo "version=$version"; } >>"$GITHUB_OUTPUT"
fi
if [ -n "${GITHUB_PATH:-}" ]; then echo "$dest" >>"$GITHUB_PATH"; fi
