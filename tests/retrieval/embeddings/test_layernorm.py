"""LayerNorm decomposition: the rewritten graph computes the same thing with no fused LayerNorm left."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from retrieval.embeddings.layernorm import decompose_file, decompose_layer_norms

DIM = 32


def _consts(rng) -> list:
    return [numpy_helper.from_array(rng.normal(1, 0.3, DIM).astype(np.float32), "gamma"),
            numpy_helper.from_array(rng.normal(0, 0.3, DIM).astype(np.float32), "beta"),
            numpy_helper.from_array(rng.normal(0, 0.3, DIM).astype(np.float32), "bias")]


def _model(nodes, outputs, opset: int = 17) -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    graph = helper.make_graph(
        nodes, "norms",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["b", "t", DIM]) for n in ("x", "skip")],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
        _consts(rng),
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset),
                                                   helper.make_opsetid("com.microsoft", 1)])


def _bert_like(opset: int = 17) -> onnx.ModelProto:
    """The three shapes the transformer optimizer leaves: SkipLN with bias, SkipLN without, plain LayerNorm."""
    nodes = [
        helper.make_node("SkipLayerNormalization", ["x", "skip", "gamma", "beta", "bias"], ["y1"],
                         domain="com.microsoft", epsilon=1e-12, name="skip_bias"),
        helper.make_node("SkipLayerNormalization", ["y1", "skip", "gamma", "beta"], ["y2"],
                         domain="com.microsoft", epsilon=1e-5, name="skip"),
        helper.make_node("LayerNormalization", ["y2", "gamma", "beta"], ["y3"], axis=-1, epsilon=1e-12, name="ln"),
    ]
    return _model(nodes, ["y1", "y2", "y3"], opset)


def _feed(seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(2.0, 3.0, (2, 5, DIM)).astype(np.float32)  # a far-from-zero mean makes centring matter
    x[..., 7] *= 30  # an outlier channel, as in BERT's residual stream
    return {"x": x, "skip": rng.normal(-1.0, 1.0, (2, 5, DIM)).astype(np.float32)}


def _run(model: onnx.ModelProto, feed) -> list[np.ndarray]:
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feed)


def _ops(model: onnx.ModelProto) -> set[str]:
    return {n.op_type for n in model.graph.node}


@pytest.mark.parametrize("opset", [17, 18])  # ReduceMean's axes: an attribute before 18, an input from 18 on
def test_decomposed_graph_gives_the_same_outputs(opset):
    model = _bert_like(opset)
    before = _run(model, _feed())
    assert decompose_layer_norms(model) == 3
    assert not _ops(model) & {"SkipLayerNormalization", "LayerNormalization"}
    assert "SimplifiedLayerNormalization" in _ops(model)
    for b, a in zip(before, _run(model, _feed())):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_skip_sum_output_is_kept_for_its_consumers():
    node = helper.make_node("SkipLayerNormalization", ["x", "skip", "gamma", "beta", "bias"], ["y", "", "", "sum"],
                            domain="com.microsoft", epsilon=1e-12, name="with_sum")
    model = _model([node, helper.make_node("Relu", ["sum"], ["r"])], ["y", "r"])
    feed = _feed()
    before = _run(model, feed)
    assert decompose_layer_norms(model) == 1
    after = _run(model, feed)
    for b, a in zip(before, after):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(after[1], np.maximum(feed["x"] + feed["skip"] + numpy_helper.to_array(
        next(t for t in model.graph.initializer if t.name == "bias")), 0), rtol=1e-5, atol=1e-5)


def test_norms_it_cannot_rewrite_exactly_are_left_alone():
    nodes = [
        # the mean output is consumed: the rewrite would not produce it
        helper.make_node("LayerNormalization", ["x", "gamma", "beta"], ["y", "mean"], axis=-1, name="keeps_mean"),
        # normalises over more than the last axis
        helper.make_node("Transpose", ["skip"], ["st"], perm=[0, 2, 1]),
        helper.make_node("LayerNormalization", ["st", "ones", "zeros"], ["z"], axis=1, name="other_axis"),
    ]
    model = _model(nodes, ["y", "mean", "z"])
    model.graph.initializer.extend([numpy_helper.from_array(np.ones((DIM, 5), np.float32), "ones"),
                                    numpy_helper.from_array(np.zeros((DIM, 5), np.float32), "zeros")])
    assert decompose_layer_norms(model) == 0
    assert [n.name for n in model.graph.node if n.op_type == "LayerNormalization"] == ["keeps_mean", "other_axis"]


def test_decompose_file_writes_only_when_something_changed(tmp_path):
    src, dst = tmp_path / "in.onnx", tmp_path / "out.onnx"
    onnx.save(_bert_like(), src)
    assert decompose_file(src, dst) == 3 and dst.is_file()
    plain = tmp_path / "plain.onnx"
    onnx.save(_model([helper.make_node("Add", ["x", "skip"], ["y"])], ["y"]), plain)
    untouched = tmp_path / "untouched.onnx"
    assert decompose_file(plain, untouched) == 0 and not untouched.exists()


def test_default_epsilons_are_each_ops_own():
    """No epsilon attribute: SkipLayerNormalization means 1e-12, LayerNormalization 1e-5 (visible at tiny variance)."""
    nodes = [
        helper.make_node("SkipLayerNormalization", ["x", "skip", "gamma", "beta"], ["y1"], domain="com.microsoft"),
        helper.make_node("LayerNormalization", ["x", "gamma", "beta"], ["y2"], axis=-1),
    ]
    model = _model(nodes, ["y1", "y2"])
    rng = np.random.default_rng(3)
    feed = {"x": rng.normal(0, 1e-3, (2, 5, DIM)).astype(np.float32),
            "skip": rng.normal(0, 1e-3, (2, 5, DIM)).astype(np.float32)}
    before = _run(model, feed)
    assert decompose_layer_norms(model) == 2
    for b, a in zip(before, _run(model, feed)):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3)


def test_new_names_never_collide_with_existing_ones():
    nodes = [
        helper.make_node("Relu", ["x"], ["q/mean"], name="q/centre"),  # names the rewrite would like to use
        helper.make_node("SkipLayerNormalization", ["q/mean", "skip", "gamma", "beta", "bias"], ["y"],
                         domain="com.microsoft", epsilon=1e-12, name="q"),
    ]
    model = _model(nodes, ["y"])
    feed = _feed()
    before = _run(model, feed)
    assert decompose_layer_norms(model) == 1
    names = [t for n in model.graph.node for t in n.output]
    assert len(names) == len(set(names))
    np.testing.assert_allclose(_run(model, feed)[0], before[0], rtol=1e-4, atol=1e-4)


def test_a_rewrite_onnxruntime_cannot_load_leaves_the_file_alone(tmp_path, monkeypatch):
    import retrieval.embeddings.layernorm as layernorm

    def broken(model):
        model.graph.node.append(helper.make_node("NoSuchOp", ["x"], ["junk"], domain="nowhere"))
        return 1

    path = tmp_path / "model.onnx"
    onnx.save(_bert_like(), path)
    original = path.read_bytes()
    monkeypatch.setattr(layernorm, "decompose_layer_norms", broken)
    with pytest.raises(Exception):
        decompose_file(path, path)
    assert path.read_bytes() == original and [p.name for p in tmp_path.iterdir()] == ["model.onnx"]
