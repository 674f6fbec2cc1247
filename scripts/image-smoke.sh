#!/usr/bin/env bash
# The container image tested the way GitHub runs a docker action, without a registry:
#   1. lay out the image's file system from a prebuilt static binary (scripts/image-rootfs.sh) and
#      build the Dockerfile's own final stage from it (only its COPY source is replaced);
#   2. start a private dockerd (vfs storage, no bridge, no iptables) on a socket in a temporary
#      folder, stopped by its pid at exit;
#   3. run the image as the runner does: `--workdir /github/workspace`, the workspace, file
#      commands and event mounted under /github, INPUT_* variables with hyphens kept, against a copy
#      of examples/ and a loopback GitHub stand-in (tests/image/github_standin.py);
#   4. check the outputs, the step summary, the artifacts, the posted comment, the image size
#      (under 12 MB) and /tmp's mode (1777).
#
#   scripts/image-smoke.sh [BINARY]   (default: the musl `dist` binary of scripts/build-musl.sh)
#
# Needs root, dockerd and docker (Debian: apt-get install docker.io) and python3.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN=${1:-${CARGO_TARGET_DIR:-$ROOT/target}/x86_64-unknown-linux-musl/dist/sigmaforge}
MAX_IMAGE_BYTES=${MAX_IMAGE_BYTES:-12000000}
CA=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

fail() { echo "image-smoke: FAIL: $*" >&2; exit 1; }
command -v dockerd >/dev/null || fail "dockerd not found (apt-get install docker.io)"
command -v docker >/dev/null || fail "docker not found (apt-get install docker.io)"
[ -x "$BIN" ] || fail "binary $BIN not found: run scripts/build-musl.sh first"

started=$(date +%s)
T=$(mktemp -d /tmp/sigmaforge-image-smoke.XXXXXX)
DPID=""
SPID=""
cleanup() {
  [ -n "$SPID" ] && kill "$SPID" 2>/dev/null || true
  if [ -n "$DPID" ]; then
    kill "$DPID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.2; done
  fi
  # dockerd leaves its network namespace mounted under the exec root.
  awk -v t="$T" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT

# 1. The build context: the image tree and the Dockerfile's final stage.
scripts/image-rootfs.sh "$BIN" "$CA" "$T/ctx/root"
awk '/^FROM scratch/{f=1} f' Dockerfile > "$T/ctx/Dockerfile"
[ "$(grep -c '^COPY --from=build /out/root/ /$' "$T/ctx/Dockerfile")" = 1 ] ||
  fail "the Dockerfile's final stage is no longer one 'COPY --from=build /out/root/ /'"
sed -i 's|^COPY --from=build /out/root/ /$|COPY root/ /|' "$T/ctx/Dockerfile"

# 2. A private engine.
dockerd --storage-driver=vfs --bridge=none --iptables=false --ip6tables=false \
  --host "unix://$T/docker.sock" --data-root "$T/data" --exec-root "$T/exec" \
  --pidfile "$T/docker.pid" >"$T/dockerd.log" 2>&1 &
DPID=$!
export DOCKER_HOST="unix://$T/docker.sock" DOCKER_BUILDKIT=0 DOCKER_CONFIG="$T/docker-config"
for _ in $(seq 150); do docker version >/dev/null 2>&1 && break; sleep 0.2; done
docker version >/dev/null 2>&1 || { tail -20 "$T/dockerd.log" >&2; fail "dockerd did not start"; }

docker build -q -t sigmaforge-smoke:ci "$T/ctx" >/dev/null
size=$(docker image inspect --format '{{.Size}}' sigmaforge-smoke:ci)
echo "image-smoke: image size $size bytes"
[ "$size" -lt "$MAX_IMAGE_BYTES" ] || fail "image is $size bytes, over the $MAX_IMAGE_BYTES budget"
cid=$(docker create sigmaforge-smoke:ci)
mode=$(docker export "$cid" | tar -tvf - | awk '$NF == "tmp/" {print $1}')
docker rm "$cid" >/dev/null
[ "$mode" = "drwxrwxrwt" ] || fail "/tmp in the image is '$mode', expected drwxrwxrwt (1777)"

# 3. The runner's layout, a pull request event and the GitHub stand-in.
mkdir -p "$T/ws" "$T/fc" "$T/wf" "$T/home"
cp -r examples/. "$T/ws/"
rm -rf "$T/ws/sigmaforge-out"
: >"$T/fc/set_output"
: >"$T/fc/step_summary"
cat >"$T/wf/event.json" <<'JSON'
{"number": 7, "pull_request": {"number": 7,
  "base": {"sha": "0000000000000000000000000000000000000001", "repo": {"full_name": "acme/rules"}},
  "head": {"sha": "0000000000000000000000000000000000000002", "repo": {"full_name": "acme/rules"}}}}
JSON
python3 tests/image/github_standin.py "$T/port" "$T/requests.jsonl" &
SPID=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || fail "the GitHub stand-in did not start"
port=$(cat "$T/port")

set +e
docker run --rm --network host --workdir /github/workspace \
  -v "$T/ws":/github/workspace -v "$T/fc":/github/file_commands \
  -v "$T/wf":/github/workflow -v "$T/home":/github/home \
  -e "INPUT_RULES=" -e "INPUT_CONFIG=" -e "INPUT_TARGETS=" -e "INPUT_OUTPUT-DIR=" \
  -e "INPUT_FAIL-LEVEL=" -e "INPUT_COMMENT=true" -e "INPUT_COMMENT-ID=" \
  -e "INPUT_COMMENT-AUTHOR=github-actions[bot]" -e "INPUT_COMMENT-REQUEST=" \
  -e "INPUT_TOKEN=ghs_image_smoke_secret" -e "INPUT_BASE-DIR=" -e "INPUT_DEPLOY-PLAN=" \
  -e HOME=/github/home -e GITHUB_ACTIONS=true -e CI=true \
  -e GITHUB_EVENT_NAME=pull_request -e GITHUB_EVENT_PATH=/github/workflow/event.json \
  -e GITHUB_WORKSPACE=/github/workspace -e GITHUB_REPOSITORY=acme/rules \
  -e GITHUB_API_URL="http://127.0.0.1:$port" -e GITHUB_SERVER_URL=https://github.com \
  -e GITHUB_RUN_ID=42 -e GITHUB_SHA=0000000000000000000000000000000000000002 \
  -e GITHUB_OUTPUT=/github/file_commands/set_output \
  -e GITHUB_STEP_SUMMARY=/github/file_commands/step_summary \
  sigmaforge-smoke:ci run >"$T/stdout" 2>"$T/stderr"
rc=$?
set -e
show() { echo "--- stdout"; tail -30 "$T/stdout"; echo "--- stderr"; tail -30 "$T/stderr"; }
[ "$rc" = 0 ] || { show >&2; fail "the action exited $rc"; }

# 4. What the workflow's later steps use.
grep -q ghs_image_smoke_secret "$T/stdout" "$T/stderr" "$T/fc/set_output" "$T/fc/step_summary" &&
  fail "the token was printed"
for key in rules errors warnings techniques coverage-percent output-dir sarif-path layer-path \
  report-path comment-url; do
  grep -q "^$key<<" "$T/fc/set_output" || { cat "$T/fc/set_output" >&2; fail "output '$key' missing"; }
done
value() { awk -v k="$1<<" '$0 ~ "^"k {getline; print; exit}' "$T/fc/set_output"; }
for key in sarif-path layer-path report-path; do
  p=$(value "$key")
  case "$p" in /github/workspace/*) p=${p#/github/workspace/} ;; esac
  [ -s "$T/ws/$p" ] || fail "output $key=$(value "$key") does not name a file in the workspace"
done
grep -q 'ATT&CK' "$T/fc/step_summary" || { cat "$T/fc/step_summary" >&2; fail "step summary empty"; }
grep -q 'base-dir: base' "$T/stdout" "$T/stderr" "$T/fc/step_summary" ||
  { show >&2; fail "no base-dir hint for a pull request run in an image without git"; }
grep -q 'fetch-depth' "$T/stdout" "$T/stderr" "$T/fc/step_summary" &&
  fail "the fetch-depth hint cannot help in an image without git"
[ "$(grep -c '"method": "POST"' "$T/requests.jsonl")" = 1 ] ||
  { cat "$T/requests.jsonl" >&2; fail "expected exactly one comment POST"; }
grep '"method": "POST"' "$T/requests.jsonl" | grep -q '<!-- sigmaforge' ||
  fail "the posted comment is not the sticky sigmaforge comment"
echo "image-smoke: ok ($(( $(date +%s) - started )) s: build, /tmp 1777, outputs, summary, artifacts, comment)"
