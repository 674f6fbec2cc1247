#!/usr/bin/env bash
# Point action.yml at a published image by digest (the release workflow's `pin` job):
#
#   scripts/pin-action-image.sh ghcr.io/OWNER/sigmaforge@sha256:<64 hex>   [ACTION_YML]
#
# Rewrites the one `image:` line under `runs:`; refuses anything that is not NAME@sha256:DIGEST
# (a tag can be moved, a digest cannot).
set -euo pipefail
ref=${1:?usage: $0 IMAGE@sha256:DIGEST [ACTION_YML]}
file=${2:-$(cd "$(dirname "$0")/.." && pwd)/action.yml}
[[ "$ref" =~ ^[a-z0-9][a-z0-9._/-]*@sha256:[0-9a-f]{64}$ ]] ||
  { echo "pin-action-image: '$ref' is not IMAGE@sha256:<64 hex digits>" >&2; exit 2; }
n=$(grep -c '^  image: ' "$file" || true)
[ "$n" = 1 ] || { echo "pin-action-image: expected one '  image:' line in $file, found $n" >&2; exit 1; }
sed -i "s|^  image: .*|  image: docker://$ref|" "$file"
echo "pin-action-image: $file now runs docker://$ref"
