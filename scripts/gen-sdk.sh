#!/usr/bin/env bash
# Regenerate sdk/: the plugin's package schema (sdk/schema.json, from schemas/) and the SDKs for
# TypeScript (sdk/nodejs), Python (sdk/python) and Go (sdk/go), with the generators of the
# Pulumi engine's Go module (scripts/gen-sdk). `make sdk` runs it; a test checks sdk/ is current.
#   scripts/gen-sdk.sh [OUT_DIR]   (default: sdk)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/sdk}
python=${PYTHON:-$here/.venv/bin/python}
command -v go >/dev/null 2>&1 || PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null 2>&1 || { echo "gen-sdk: Go is needed" >&2; exit 1; }
bin=${XDG_CACHE_HOME:-$HOME/.cache}/partnerfleet/gen-sdk
mkdir -p "$bin" "$out"
(cd "$here/scripts/gen-sdk" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -o "$bin/gen-sdk" .)
"$python" -m partnerfleet.plugin.package >"$out/schema.json"
for language in nodejs python go; do
    # generated files only: lock files and node_modules stay
    find "$out/$language" -type f ! -name package-lock.json ! -path '*/node_modules/*' \
        -delete 2>/dev/null || true
    "$bin/gen-sdk" "$out/schema.json" "$language" "$out/$language"
done
# the Go SDK as a module of its own (the generator writes the packages only)
version=$(sed -n 's/.*"pulumi==\([0-9.]*\)".*/\1/p' "$here/pyproject.toml" | head -n1)
printf 'module partnerfleet.dev/sdk/go\n\ngo 1.25\n\nrequire github.com/pulumi/pulumi/sdk/v3 v%s\n' \
    "$version" >"$out/go/go.mod"
