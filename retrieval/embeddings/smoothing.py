"""Activation smoothing (SmoothQuant) of an fp32 ONNX encoder before dynamic int8 quantisation.

Dynamic int8 gives each activation tensor one scale, and at the FFN inputs of e5-small the largest
channel runs 5-68x the median one, so most channels get only a handful of int8 levels. Dividing each
input channel by s_j = max|x_j|^a / max|W_j|^(1-a) and multiplying the weight's row j by s_j leaves the
fp32 product unchanged while evening out the ranges the quantiser sees. Measured on e5-small: mean cosine
of int8 passage vectors to fp32 0.9962 -> 0.9985 (README, "Does int8 keep retrieval quality?").
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

ALPHA = 0.7  # measured best of 0.5-1.0 on e5-small; 0.5 (the paper's default) was worse than no smoothing
SMOOTHED_OPS = ("MatMul", "Attention")  # the ops quantize_dynamic turns into int8 kernels
_S_RANGE = (1e-2, 1e2)


def _targets(model) -> list[int]:
    """Indices of the nodes whose second input is a constant weight used by that node alone."""
    inits = {t.name for t in model.graph.initializer}
    uses = Counter(i for n in model.graph.node for i in n.input)
    return [k for k, n in enumerate(model.graph.node)
            if n.op_type in SMOOTHED_OPS and len(n.input) > 1 and n.input[1] in inits and uses[n.input[1]] == 1]


def activation_ranges(model, feeds: Iterable[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Per-channel max |x| of every smoothed node's input, over all tokens of all feeds (fp32 model)."""
    import onnx
    import onnxruntime as ort

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    names = sorted({probe.graph.node[k].input[0] for k in _targets(probe)})
    have = {o.name for o in probe.graph.output}
    for name in names:
        if name not in have:
            probe.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    ranges: dict[str, np.ndarray] = {}
    for feed in feeds:
        for name, value in zip(names, session.run(names, dict(feed))):
            m = np.abs(value.reshape(-1, value.shape[-1])).max(0)
            ranges[name] = m if name not in ranges else np.maximum(ranges[name], m)
    return ranges


def smooth(model, ranges: Mapping[str, np.ndarray], alpha: float = ALPHA) -> int:
    """Rescale each target's weight rows and insert the matching Mul on its input, in place; return the count."""
    from onnx import helper, numpy_helper

    inits = {t.name: t for t in model.graph.initializer}
    targets = {k for k in _targets(model) if model.graph.node[k].input[0] in ranges}
    nodes, done = [], 0
    for k, node in enumerate(model.graph.node):
        if k in targets:
            w = numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)
            a = np.maximum(np.asarray(ranges[node.input[0]], np.float32), 1e-5)
            if w.ndim == 2 and w.shape[0] == a.shape[0]:
                s = np.clip(a**alpha / np.maximum(np.abs(w).max(1), 1e-5) ** (1 - alpha), *_S_RANGE).astype(np.float32)
                inits[node.input[1]].CopyFrom(numpy_helper.from_array(w * s[:, None], node.input[1]))
                scale, smoothed = f"{node.name}_smooth_inv_s", f"{node.input[0]}_smoothed_for_{node.name}"
                model.graph.initializer.append(numpy_helper.from_array(1.0 / s, scale))
                nodes.append(helper.make_node("Mul", [node.input[0], scale], [smoothed], name=f"{node.name}_smooth"))
                node.input[0] = smoothed
                done += 1
        nodes.append(node)
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return done


def smooth_file(src: Path, dst: Path, feeds: Iterable[Mapping[str, np.ndarray]], alpha: float = ALPHA) -> int:
    """Measure activation ranges of the fp32 model at `src` on `feeds`, write the smoothed model to `dst`."""
    import onnx

    model = onnx.load(str(src))
    count = smooth(model, activation_ranges(model, feeds), alpha)
    onnx.save(model, str(dst))
    log.info("smoothed %d int8 inputs (alpha %.2f)", count, alpha)
    return count
