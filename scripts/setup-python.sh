#!/usr/bin/env bash
# Creates .venv-interop/, the Python environment of the interop suite (pnpm test:interop): torch,
# safetensors, PEFT and transformers at the versions pinned in interop/requirements.txt, from
# whatever package index pip is configured with. Idempotent: a stamp records the requirements.
# Exit status is non-zero when the environment cannot be made (CI then fails, as it must).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-interop
REQ=interop/requirements.txt
STAMP="$VENV/.requirements.sha256"
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ -x "$VENV/bin/python" ] && [ "$(cat "$STAMP" 2>/dev/null || true)" = "$want" ]; then
  echo "setup-python: $VENV is up to date"
  exit 0
fi

command -v python3 >/dev/null 2>&1 || { echo "setup-python: python3 not found" >&2; exit 1; }
python3 -m venv "$VENV"

# Where pip is configured with local indexes (global.extra-index-url), use the first as the index
# and the rest as extras: otherwise pip would also try the public index, which is unreachable here
# and costs minutes of retries.
args=()
extra=$(python3 -m pip config get global.extra-index-url 2>/dev/null || true)
if [ -n "$extra" ]; then
  read -r -a urls <<<"$extra"
  args+=(--index-url "${urls[0]}")
  for u in "${urls[@]:1}"; do args+=(--extra-index-url "$u"); done
fi
"$VENV/bin/python" -m pip install --quiet "${args[@]}" -r "$REQ"
"$VENV/bin/python" -c "import torch, safetensors, peft, transformers; print('setup-python: torch', torch.__version__, '/ peft', peft.__version__, '/ transformers', transformers.__version__)"
echo "$want" >"$STAMP"
