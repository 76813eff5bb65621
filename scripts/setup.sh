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
echo "setup: done (pnpm $PNPM_VERSION). Try: pnpm demo, pnpm test, pnpm bench matmul"
