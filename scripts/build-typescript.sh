#!/usr/bin/env bash
# Build the generated TypeScript SDK (sdk/nodejs -> sdk/nodejs/bin, the package as npm would
# publish it) and examples/typescript against it, from their lock files.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
npm_quiet=(--no-audit --no-fund --loglevel=error)
(cd "$here/sdk/nodejs" && npm ci "${npm_quiet[@]}" && npx tsc \
    && cp package.json README.md bin/)
(cd "$here/examples/typescript" && npm ci "${npm_quiet[@]}" && npx tsc)
echo "build-typescript: sdk/nodejs/bin and examples/typescript/bin built"
