"""Upper bound on encoder throughput from its matrix products alone, timed with onnxruntime on this CPU.

Times each product of one encoder layer as a single onnxruntime op at the shapes a batch has (the int8
projections as `DynamicQuantizeMatMul`, activations quantised per call; the attention core as fp32 batched
`MatMul`, which is how onnxruntime's CPU attention kernels compute it), sums them over the layers, and
compares the bound with the whole int8 graph at the same shape. Everything else the graph does (embeddings,
LayerNorm, GELU, softmax, the smoothing Muls, residual adds, reshapes) counts as free here, so no path built
on onnxruntime's CPU kernels can beat the bound; only an int8 attention core of one's own would raise it.

Usage: python3 benchmarks/roofline.py [--batch 32] [--seq 200] [--threads 2] [--model-dir DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit


def _args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=200, help="tokens per sequence")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5, help="best of this many runs per op")
    ap.add_argument("--model-dir", type=Path, default=None, help="default: $KHABAR_MODEL_DIR or the user cache")
    ap.add_argument("--json", action="store_true")
    return ap.parse_args()


def _session(model, threads: int):
    """Open `model` (an in-memory ONNX graph) with the session options the embedder uses."""
    import onnx

    from retrieval.embeddings.onnx_backend import make_session

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "product.onnx"
        onnx.save(model, str(path))
        return make_session(path, threads)


def _best(session, feeds, repeat: int) -> float:
    session.run(None, feeds)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        session.run(None, feeds)
        times.append(time.perf_counter() - t0)
    return min(times)


def int8_product_seconds(m: int, k: int, n: int, threads: int, repeat: int) -> float:
    """Time [m, k] x [k, n] the way the int8 graph runs it: activations quantised per call, int8 weights."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    weights = [
        numpy_helper.from_array(rng.integers(-127, 127, (k, n)).astype(np.int8), "W"),
        numpy_helper.from_array(np.full((n,), 0.01, np.float32), "S"),
        numpy_helper.from_array(np.zeros((n,), np.int8), "Z"),
    ]
    node = helper.make_node("DynamicQuantizeMatMul", ["A", "W", "S", "Z"], ["Y"], domain="com.microsoft")
    graph = helper.make_graph(
        [node], "p",
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [m, n])],
        initializer=weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    a = rng.standard_normal((m, k)).astype(np.float32)
    return _best(_session(model, threads), {"A": a}, repeat)


def fp32_batched_seconds(b: int, m: int, k: int, n: int, threads: int, repeat: int) -> float:
    """Time b independent fp32 [m, k] x [k, n] products (one attention head each)."""
    from onnx import TensorProto, helper

    node = helper.make_node("MatMul", ["A", "B"], ["Y"])
    graph = helper.make_graph(
        [node], "p",
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, [b, m, k]),
         helper.make_tensor_value_info("B", TensorProto.FLOAT, [b, k, n])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [b, m, n])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    rng = np.random.default_rng(0)
    feeds = {"A": rng.standard_normal((b, m, k)).astype(np.float32), "B": rng.standard_normal((b, k, n)).astype(np.float32)}
    return _best(_session(model, threads), feeds, repeat)


def bound(config: dict, batch: int, seq: int, threads: int, repeat: int) -> dict:
    """Sum the timed products of one layer over all layers and turn the total into tokens/s."""
    h, f = config["hidden_size"], config["intermediate_size"]
    heads, layers = config["num_attention_heads"], config["num_hidden_layers"]
    d, m = h // heads, batch * seq
    int8 = {
        "qkv": ((m, h, 3 * h), int8_product_seconds(m, h, 3 * h, threads, repeat)),
        "attention_out": ((m, h, h), int8_product_seconds(m, h, h, threads, repeat)),
        "ffn_up": ((m, h, f), int8_product_seconds(m, h, f, threads, repeat)),
        "ffn_down": ((m, f, h), int8_product_seconds(m, f, h, threads, repeat)),
    }
    fp32 = {
        "scores": ((batch * heads, seq, d, seq), fp32_batched_seconds(batch * heads, seq, d, seq, threads, repeat)),
        "context": ((batch * heads, seq, seq, d), fp32_batched_seconds(batch * heads, seq, seq, d, threads, repeat)),
    }
    per_layer = sum(t for _, t in int8.values()) + sum(t for _, t in fp32.values())
    total = layers * per_layer
    ops = {
        name: {"gops_per_s": round(2 * a * b * c / t / 1e9, 1), "ms": round(1e3 * t, 2)}
        for name, ((a, b, c), t) in int8.items()
    } | {
        name: {"gflops_per_s": round(2 * g * a * b * c / t / 1e9, 1), "ms": round(1e3 * t, 2)}
        for name, ((g, a, b, c), t) in fp32.items()
    }
    return {"ops": ops, "products_ms": round(1e3 * total, 1), "bound_tokens_per_s": round(m / total, 1)}


def graph_tokens_per_s(path: Path, batch: int, seq: int, threads: int, repeat: int) -> float:
    """Time the whole int8 graph on one [batch, seq] batch of random tokens, no padding."""
    from retrieval.embeddings.onnx_backend import make_session

    rng = np.random.default_rng(0)
    feeds = {
        "input_ids": rng.integers(5, 200_000, (batch, seq)).astype(np.int64),
        "attention_mask": np.ones((batch, seq), np.int64),
    }
    return batch * seq / _best(make_session(path, threads), feeds, repeat)


def main() -> int:
    args = _args()
    sys.path.insert(0, str(REPO))
    from khabar.settings import default_model_dir
    from retrieval.embeddings import load_embedder
    from retrieval.embeddings.onnx_backend import ONNX_FILE, onnx_dir

    model_dir = args.model_dir or Path(os.environ.get("KHABAR_MODEL_DIR") or default_model_dir())
    emb = load_embedder(model_dir=model_dir, backend="auto", threads=args.threads, max_seq_length=512)
    if not str(emb.backend).startswith("onnx"):
        raise SystemExit(f"the default path is {emb.backend}, not onnx: nothing to bound")
    config = json.loads((Path(emb.path) / "config.json").read_text())
    res = {"batch": args.batch, "seq": args.seq, "threads": args.threads}
    res |= bound(config, args.batch, args.seq, args.threads, args.repeat)
    graph = onnx_dir(model_dir, emb.path) / ONNX_FILE
    res["int8_graph_tokens_per_s"] = round(graph_tokens_per_s(graph, args.batch, args.seq, args.threads, args.repeat), 1)
    res["graph_share_of_bound"] = round(res["int8_graph_tokens_per_s"] / res["bound_tokens_per_s"], 3)
    emit(res, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
