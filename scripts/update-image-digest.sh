#!/usr/bin/env bash
# Re-pin the Dockerfile's build image: resolve the current digest of its tag (the multi-arch
# index, so every platform stays covered) and rewrite the `ARG BUILD_IMAGE=tag@sha256:...` line.
#
#   scripts/update-image-digest.sh            # keep the tag, refresh the digest
#   scripts/update-image-digest.sh rust:1.96-slim-bookworm   # move to another tag
#
# Needs registry access and one of: docker (buildx), crane, skopeo. Review and commit the diff;
# bump `rust-version` in Cargo.toml together with a toolchain change.
set -euo pipefail
cd "$(dirname "$0")/.."

line=$(grep -E '^ARG BUILD_IMAGE=' Dockerfile) || {
    echo "update-image-digest: no 'ARG BUILD_IMAGE=' line in Dockerfile" >&2
    exit 1
}
current=${line#ARG BUILD_IMAGE=}
tag=${1:-${current%@*}}

digest=""
if docker buildx version >/dev/null 2>&1; then
    digest=$(docker buildx imagetools inspect "$tag" --format '{{json .Manifest}}' |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')
elif command -v crane >/dev/null; then
    digest=$(crane digest "$tag")
elif command -v skopeo >/dev/null; then
    digest=$(skopeo inspect --raw "docker://docker.io/library/$tag" | sha256sum | awk '{print "sha256:" $1}')
else
    echo "update-image-digest: need docker buildx, crane or skopeo (and registry access)" >&2
    exit 1
fi
if ! [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
    echo "update-image-digest: could not resolve a digest for $tag (got '$digest')" >&2
    exit 1
fi

new="$tag@$digest"
if [ "$new" = "$current" ]; then
    echo "update-image-digest: $current is current"
    exit 0
fi
sed -i "s|^ARG BUILD_IMAGE=.*|ARG BUILD_IMAGE=$new|" Dockerfile
echo "update-image-digest: $current -> $new"
