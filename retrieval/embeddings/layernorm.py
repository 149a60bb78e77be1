"""Rewrite fused LayerNorms into ops onnxruntime's CPU provider runs fast; pure graph surgery on an ONNX model.

onnxruntime's CPU `SkipLayerNormalization` and `LayerNormalization` kernels take 5.4 ms on a [32, 200, 384]
tensor here, while `ReduceMean` + `Sub` + `SimplifiedLayerNormalization` (RMS norm of the centred input, which
is LayerNorm exactly) + `Add` take 1.6 ms: the 24 LayerNorms in e5-small's encoder layers were 23% of int8
embedding time. The rewritten graph is for onnxruntime (which has `SimplifiedLayerNormalization` as a contrib
op in the ONNX domain); `onnx.checker` does not know that op.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

_SKIP_LN = "SkipLayerNormalization"


def _opset(model) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)


def _attr(node, name: str, default):
    from onnx import helper

    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def decompose_layer_norms(model) -> int:
    """Replace each SkipLayerNormalization/LayerNormalization over the last axis in place; return how many.

    A node whose mean/inv-std outputs are consumed, or a LayerNormalization over another axis, is kept.
    """
    graph = model.graph
    consumed = {i for n in graph.node for i in n.input} | {o.name for o in graph.output}
    taken = _names(graph)
    opset = _opset(model)
    new_nodes = []
    done = 0
    for node in graph.node:
        rewritten = _rewrite(node, consumed, opset, _Namer(node.name or node.output[0], taken))
        if rewritten is None:
            new_nodes.append(node)
        else:
            new_nodes.extend(rewritten)
            done += 1
    if done:
        del graph.node[:]
        graph.node.extend(new_nodes)
    log.info("decomposed %d LayerNorm nodes", done)
    return done


def _names(graph) -> set[str]:
    """Every tensor and node name already in the graph, so new ones never collide with them."""
    names = {n.name for n in graph.node}
    names.update(t for n in graph.node for t in (*n.input, *n.output))
    names.update(v.name for v in (*graph.input, *graph.output, *graph.initializer, *graph.value_info))
    return names


class _Namer:
    """`base/suffix`, or `base/suffix_N` when that name is taken; records what it hands out."""

    def __init__(self, base: str, taken: set[str]) -> None:
        self.base, self.taken = base, taken

    def __call__(self, suffix: str) -> str:
        name, n = f"{self.base}/{suffix}", 1
        while name in self.taken:
            name, n = f"{self.base}/{suffix}_{n}", n + 1
        self.taken.add(name)
        return name


def _rewrite(node, consumed: set[str], opset: int, new_name: _Namer):
    """The replacement nodes for one LayerNorm node, or None to keep it as it is."""
    from onnx import TensorProto, helper

    if node.op_type == _SKIP_LN and node.domain == "com.microsoft":
        inputs = list(node.input)
        x, skip, gamma = inputs[0], inputs[1], inputs[2]
        beta = inputs[3] if len(inputs) > 3 else ""
        bias = inputs[4] if len(inputs) > 4 else ""
        outs = list(node.output)
        if any(o in consumed for o in outs[1:3] if o):
            return None
        summed = outs[3] if len(outs) > 3 and outs[3] else None
    elif node.op_type == "LayerNormalization" and node.domain in ("", "ai.onnx"):
        inputs = list(node.input)
        outs = list(node.output)
        if _attr(node, "axis", -1) != -1 or any(o in consumed for o in outs[1:] if o):
            return None
        x, skip, gamma = inputs[0], "", inputs[1]
        beta = inputs[2] if len(inputs) > 2 else ""
        bias, summed = "", None
    else:
        return None
    # The ops' own defaults: onnxruntime's SkipLayerNormalization 1e-12, ONNX LayerNormalization 1e-5.
    eps = float(_attr(node, "epsilon", 1e-12 if node.op_type == _SKIP_LN else 1e-5))
    nodes = []
    current = x
    if skip:
        if bias:  # bias first: onnxruntime fuses MatMul + bias Add into one DynamicQuantizeMatMul
            nodes.append(helper.make_node("Add", [x, bias], [new_name("x_bias")], name=new_name("add_bias")))
            x = nodes[-1].output[0]
        current = summed or new_name("skip_sum")
        nodes.append(helper.make_node("Add", [x, skip], [current], name=new_name("add_skip")))
    mean = new_name("mean")
    if opset >= 18:
        axes = new_name("axes")
        nodes.append(helper.make_node("Constant", [], [axes], name=new_name("axes_const"),
                                      value=helper.make_tensor(axes, TensorProto.INT64, [1], [-1])))
        nodes.append(helper.make_node("ReduceMean", [current, axes], [mean], name=new_name("reduce_mean"), keepdims=1))
    else:
        nodes.append(helper.make_node("ReduceMean", [current], [mean], name=new_name("reduce_mean"), axes=[-1],
                                      keepdims=1))
    centred = new_name("centred")
    nodes.append(helper.make_node("Sub", [current, mean], [centred], name=new_name("centre")))
    normed = new_name("rms") if beta else outs[0]
    nodes.append(helper.make_node("SimplifiedLayerNormalization", [centred, gamma], [normed],
                                  name=new_name("rms_norm"), axis=-1, epsilon=eps))
    if beta:
        nodes.append(helper.make_node("Add", [normed, beta], [outs[0]], name=new_name("add_beta")))
    return nodes


def decompose_file(src, dst) -> int:
    """Decompose the LayerNorms of the single-file ONNX model `src` into `dst`; 0 (nothing written) when none.

    The result is written beside `dst` and only moved over it once onnxruntime has loaded it, so a failed
    rewrite or a full disk leaves `dst` (which may be `src` itself) as it was.
    """
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(src))
    if model.ByteSize() >= 2**31 - 2**20:  # protobuf's 2 GB limit: such models keep their fused kernels
        return 0
    done = decompose_layer_norms(model)
    if not done:
        return 0
    dst = Path(dst)
    tmp = dst.with_name(dst.name + ".decomposed.tmp")
    try:
        onnx.save(model, str(tmp))
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # a load check, kept cheap
        ort.InferenceSession(str(tmp), sess_options=opts, providers=["CPUExecutionProvider"])
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    return done
