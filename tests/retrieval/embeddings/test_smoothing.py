"""Activation smoothing: exact in fp32, and it shrinks the int8 error caused by outlier channels."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from retrieval.embeddings.calibration import calibration_texts
from retrieval.embeddings.smoothing import activation_ranges, smooth, smooth_file

DIM, OUT = 64, 48


def _two_layer_model(seed: int = 0) -> onnx.ModelProto:
    """x -> MatMul(W1) -> Relu -> MatMul(W2); a shared weight on a third MatMul must be left alone."""
    rng = np.random.default_rng(seed)
    w1 = rng.normal(0, 0.2, (DIM, DIM)).astype(np.float32)
    w2 = rng.normal(0, 0.2, (DIM, OUT)).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h"], name="first"),
        helper.make_node("Relu", ["h"], ["r"], name="relu"),
        helper.make_node("MatMul", ["r", "w2"], ["y"], name="second"),
        helper.make_node("MatMul", ["x", "shared"], ["z1"], name="shared_a"),
        helper.make_node("MatMul", ["x", "shared"], ["z2"], name="shared_b"),
    ]
    graph = helper.make_graph(
        nodes, "two_layer",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", "t", DIM])],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("y", "z1", "z2")],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2"),
         numpy_helper.from_array(rng.normal(0, 0.2, (DIM, 8)).astype(np.float32), "shared")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _inputs(seed: int, n: int = 4) -> list[dict[str, np.ndarray]]:
    """Activations with three outlier channels 40x larger than the rest, like a BERT residual stream."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        x = rng.normal(0, 1, (2, 16, DIM)).astype(np.float32)
        x[..., [3, 17, 40]] *= 40
        out.append({"x": x})
    return out


def _run(model: onnx.ModelProto, feed) -> list[np.ndarray]:
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feed)


def test_smoothing_leaves_fp32_outputs_unchanged():
    model = _two_layer_model()
    before = _run(model, _inputs(1, 1)[0])
    count = smooth(model, activation_ranges(model, _inputs(0)))
    after = _run(model, _inputs(1, 1)[0])
    assert count == 2  # first and second; the weight shared by two MatMuls is not rescaled
    for b, a in zip(before, after):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_activation_ranges_find_the_outlier_channels():
    model = _two_layer_model()
    ranges = activation_ranges(model, _inputs(0))
    x = ranges["x"]
    assert set(np.argsort(x)[-3:]) == {3, 17, 40}
    assert x[[3, 17, 40]].min() > 10 * np.median(x)


def test_smoothing_reduces_int8_error(tmp_path):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    plain, smoothed = tmp_path / "plain.onnx", tmp_path / "smoothed.onnx"
    onnx.save(_two_layer_model(), str(plain))
    assert smooth_file(plain, smoothed, _inputs(0)) == 2

    def int8_error(src):
        q = tmp_path / f"{src.stem}.int8.onnx"
        quantize_dynamic(str(src), str(q), per_channel=True, weight_type=QuantType.QInt8)
        feed = _inputs(2, 1)[0]
        ref = _run(_two_layer_model(), feed)[0]
        got = ort.InferenceSession(str(q), providers=["CPUExecutionProvider"]).run(["y"], feed)[0]
        return float(np.abs(got - ref).mean() / np.abs(ref).mean())

    assert int8_error(smoothed) < 0.5 * int8_error(plain)


def test_calibration_texts_carry_prompts_and_span_lengths():
    texts = calibration_texts("query: ", "passage: ")
    queries = [t for t in texts if t.startswith("query: ")]
    passages = [t for t in texts if t.startswith("passage: ")]
    assert queries and passages and len(queries) + len(passages) == len(texts)
    lengths = sorted(len(t) for t in passages)
    assert lengths[0] < 200 and lengths[-1] > 3000  # one sentence up to past 512 tokens
    assert calibration_texts("query: ", "passage: ") == texts  # deterministic, so exports are reproducible
