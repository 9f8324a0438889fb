#!/usr/bin/env bash
# The console's API types, generated from Baton's OpenAPI document.
#   scripts/api-types.sh            rewrite src/api/schema.d.ts
#   scripts/api-types.sh --check    fail when src/api/schema.d.ts is stale
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
../.venv/bin/baton openapi > "$scratch/openapi.json"
npx --no-install openapi-typescript "$scratch/openapi.json" -o "$scratch/schema.d.ts" --silent
if [[ "${1:-}" == "--check" ]]; then
  if ! cmp -s "$scratch/schema.d.ts" src/api/schema.d.ts; then
    echo "ui/src/api/schema.d.ts is stale: run ui/scripts/api-types.sh and commit it" >&2
    exit 1
  fi
else
  cp "$scratch/schema.d.ts" src/api/schema.d.ts
fi
