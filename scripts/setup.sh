#!/usr/bin/env bash
# One-shot set-up for a fresh Debian/Ubuntu machine that has only Node 20 and npm:
# system packages for WebGPU on a software driver, the pinned pnpm, dependencies, and a build.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-system.sh

PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  # corepack fails on these machines; npm can install the pinned release.
  npm install --global --silent "pnpm@$PNPM_VERSION"
fi

pnpm install --frozen-lockfile
pnpm build

# The interop suite's Python environment (torch, safetensors, PEFT, transformers). Under CI=true
# it is required; elsewhere a failure only means the interop suite will skip.
if ! bash scripts/setup-python.sh; then
  if [ "${CI:-}" = "true" ]; then echo "setup: the Python environment could not be made" >&2; exit 1; fi
  echo "setup: no Python environment; the interop suite will be skipped (see scripts/setup-python.sh)" >&2
fi
echo "setup: done (pnpm $PNPM_VERSION). Try: pnpm demo, pnpm test, pnpm bench matmul"
