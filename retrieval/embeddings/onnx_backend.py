"""Fast path: the transformer exported to ONNX, int8 per-channel dynamic quantisation, run by onnxruntime.

Passages (the bulk of the work, at ingest) run through the int8 graph. Queries run through the fused fp32
graph: int8 errors on both sides of a cross-lingual match compound (XQuAD en→ar Recall@5 -1.2 points with
both int8, -0.25 with fp32 queries), and one short query costs ~5 ms in fp32 against ~2 ms in int8.

Both graphs run their LayerNorms decomposed (`layernorm.py`): onnxruntime's fused CPU LayerNorm kernels were
23% of int8 embedding time.

sentence-transformers stays the interface: the model's first (Transformer) module is swapped for
`OnnxTransformer`, which keeps its tokenizer/preprocessing and only replaces the forward pass, so
pooling, normalisation and prompts are the model's own.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.embeddings.manifest import read_manifest, verify_manifest, write_manifest

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]
ONNX_FILE = "model.int8.onnx"
QUERY_FILE = "model.fp32.onnx"  # the fused fp32 graph, for query vectors
MIN_MEAN_COSINE = 0.995
EXPORT_VERSION = 5  # bump when the export/quantisation recipe changes (3: smoothing, 4: fp32 query graph,
#                      5: LayerNorms decomposed)

# Fixed Arabic/English sentences the quantised model must reproduce before it is used.
CALIBRATION = (
    "passage: The central bank raised interest rates by a quarter point on Tuesday.",
    "passage: أعلنت وزارة الصحة السعودية عن تسجيل حالات جديدة في الرياض وجدة.",
    "query: ما هي عاصمة المملكة العربية السعودية؟",
    "query: when did the company report its quarterly earnings",
    "passage: قال رئيس الوزراء إن الحكومة ستواصل دعم المشروعات الصغيرة والمتوسطة خلال العام المقبل.",
    "passage: Heavy rain caused flooding in several neighbourhoods, and schools were closed for two days.",
    "passage: The museum opened a new exhibition of Islamic manuscripts from the 12th century.",
    "query: كم عدد الحجاج هذا العام",
    "passage: وأوضح المتحدث الرسمي أن فرق الدفاع المدني باشرت الحادث فور تلقي البلاغ، ولم تسجل أي إصابات.",
    "passage: Scientists say the new vaccine showed strong protection in late-stage trials involving 30,000 people.",
    "query: who won the football match in Riyadh",
    "passage: ارتفع مؤشر السوق الرئيسية بنسبة ١٫٢٪ مدعوماً بأسهم البنوك والبتروكيماويات.",
)


class OnnxUnavailable(RuntimeError):
    """ONNX export/quantisation/runtime failed or is not faithful enough; the caller falls back to torch."""


def _source_key(folder: Path) -> str:
    """Identity of the fp32 weights the ONNX file derives from (manifest checksum, else file stats)."""
    h = hashlib.sha256(f"v{EXPORT_VERSION}".encode())
    man = read_manifest(folder)
    weights = {k: v for k, v in (man or {}).get("files", {}).items() if k.endswith((".safetensors", ".bin"))}
    if weights:
        h.update(json.dumps(weights, sort_keys=True).encode())
    else:
        for p in sorted(Path(folder).glob("*")):
            if p.suffix in (".safetensors", ".bin") and p.is_file():
                st = p.stat()
                h.update(f"{p.resolve()}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def onnx_dir(model_dir: Path, folder: Path) -> Path:
    """Cache folder of the quantised export for a model folder, beside the built models."""
    return Path(model_dir) / "onnx" / f"{Path(folder).name}-{_source_key(folder)}"


class _Encoder:
    """input_ids + attention_mask -> last_hidden_state, the part that is exported."""

    @staticmethod
    def module(model):
        import torch

        class Wrapped(torch.nn.Module):
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask):
                return self.inner(input_ids=input_ids, attention_mask=attention_mask, return_dict=True).last_hidden_state

        return Wrapped(model).eval()


def export_fp32(transformer_module, out: Path) -> None:
    """torch.onnx.export of the Transformer module's HF model with dynamic batch and sequence axes."""
    import torch

    model = _hf_model(transformer_module)
    wrapped = _Encoder.module(model)
    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    # Eager attention exports the classic BERT pattern that onnxruntime's optimizer fuses into Attention ops.
    previous = getattr(model.config, "_attn_implementation", None)
    _set_attn(model, "eager")
    try:
        _export(torch, wrapped, ids, mask, out)
    finally:
        if previous:
            _set_attn(model, previous)


def _hf_model(transformer_module):
    return getattr(transformer_module, "auto_model", None) or transformer_module.model


def _set_attn(model, impl: str) -> None:
    try:
        model.set_attn_implementation(impl)
    except (AttributeError, ValueError, ImportError):
        model.config._attn_implementation = impl


def _export(torch, wrapped, ids, mask, out: Path) -> None:
    with torch.no_grad():
        torch.onnx.export(
            wrapped,
            (ids, mask),
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "seq"},
                "attention_mask": {0: "batch", 1: "seq"},
                "last_hidden_state": {0: "batch", 1: "seq"},
            },
            opset_version=17,
            dynamo=False,
        )


def optimize_fp32(fp32: Path, out: Path, config) -> bool:
    """Fuse attention, LayerNorm and GELU with onnxruntime's transformer optimizer; False when it does not apply."""
    try:
        from onnxruntime.transformers.optimizer import optimize_model

        heads = int(getattr(config, "num_attention_heads", 0) or 0)
        hidden = int(getattr(config, "hidden_size", 0) or 0)
        opt = optimize_model(str(fp32), model_type="bert", num_heads=heads, hidden_size=hidden)
        opt.save_model_to_file(str(out))
        log.info("onnxruntime fusions: %s", opt.get_fused_operator_statistics())
        return True
    except Exception as e:  # noqa: BLE001 - fusion is an optimisation only
        log.info("onnxruntime transformer optimizer skipped: %s", e)
        return False


def calibration_feeds(st, batch_size: int = 8) -> list[dict[str, np.ndarray]]:
    """The built-in calibration texts, tokenised as the model's own prompts and length limit make them."""
    from retrieval.embeddings.calibration import calibration_texts

    prompts = dict(getattr(st, "prompts", None) or {})
    texts = calibration_texts(prompts.get("query", ""), prompts.get("passage", prompts.get("document", "")))
    texts.sort(key=len)
    feeds = []
    for i in range(0, len(texts), batch_size):
        enc = st.tokenizer(texts[i : i + batch_size], padding=True, truncation=True,
                           max_length=int(st.max_seq_length or 512), return_tensors="np")
        feeds.append({"input_ids": enc["input_ids"].astype(np.int64),
                      "attention_mask": enc["attention_mask"].astype(np.int64)})
    return feeds


def smooth_fp32(st, src: Path, out: Path) -> int:
    """SmoothQuant the fp32 graph on the built-in calibration text; 0 (quantise unsmoothed) when it does not apply."""
    from retrieval.embeddings.smoothing import smooth_file

    try:
        return smooth_file(src, out, calibration_feeds(st))
    except Exception as e:  # noqa: BLE001 - smoothing is a quality refinement; the cosine gate still applies
        log.info("activation smoothing skipped: %s", e)
        return 0


def quantize_int8(fp32: Path, out: Path) -> None:
    """Dynamic int8, per-channel weights (per-tensor loses too much: mean cosine ~0.989)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    hint = _DropPreprocessHint()
    root.addFilter(hint)  # the quantiser's advice to run its shape pre-processing, which a BERT graph does not need
    try:
        quantize_dynamic(
            str(fp32), str(out), per_channel=True, weight_type=QuantType.QInt8,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        root.removeFilter(hint)


class _DropPreprocessHint(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


def decompose_norms(path: Path) -> int:
    """Rewrite the graph's LayerNorms into faster ops in place; 0 (graph untouched) when that does not apply."""
    from retrieval.embeddings.layernorm import decompose_file

    try:
        return decompose_file(path, path)
    except Exception as e:  # noqa: BLE001 - a speed-up only; the cosine gate still checks the result
        log.info("LayerNorm decomposition skipped: %s", e)
        return 0


def make_session(path: Path, threads: int):
    """onnxruntime CPU session with `threads` intra-op threads."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, int(threads))
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle workers must not spin: with the query and passage sessions both alive, spinning threads of one
    # stole the cores of the other (full-size `search` p50 24-35 ms spinning vs 19.5 ms not; `ask` 165-175 vs
    # 130-137 ms), and ingest throughput does not depend on it (one day, back to back: 75.3, 75.5 s not
    # spinning vs 75.5, 73.7 s spinning; an earlier pair 76.6-77.7 s vs 78.9 s).
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def _build_module():
    import torch
    from sentence_transformers.base.modules.input_module import InputModule

    class OnnxTransformer(InputModule):
        """Drop-in for sentence-transformers' Transformer module: same preprocessing, forward by onnxruntime."""

        config_keys: list[str] = []

        def __init__(self, inner, session, query_session=None) -> None:
            super().__init__()
            self._inner = [inner]  # a list keeps the torch weights out of this module's parameters
            self._session = session
            self._query_session = query_session  # a session, or a callable that opens one on first use
            self._kind = "passage"

        def select_input_kind(self, kind: str) -> None:
            """Route the next forward passes: "query" to the fp32 graph (when there is one), else int8."""
            self._kind = kind

        def _session_for_kind(self):
            if self._kind == "query" and self._query_session is not None:
                if callable(self._query_session):
                    self._query_session = self._query_session()
                return self._query_session
            return self._session

        @property
        def inner(self):
            return self._inner[0]

        @property
        def tokenizer(self):
            return self.inner.tokenizer

        @property
        def max_seq_length(self):
            return self.inner.max_seq_length

        @max_seq_length.setter
        def max_seq_length(self, value):
            self.inner.max_seq_length = value

        @property
        def modalities(self):
            return ["text"]

        def __getattr__(self, name: str) -> Any:
            try:
                return super().__getattr__(name)
            except AttributeError:
                return getattr(self._inner[0], name)

        def preprocess(self, inputs, prompt=None, **kwargs):
            return self.inner.preprocess(inputs, prompt=prompt, **kwargs)

        def tokenize(self, texts, **kwargs):
            return self.inner.preprocess(texts, **kwargs)

        def get_embedding_dimension(self) -> int:
            return self.inner.get_embedding_dimension()

        def get_word_embedding_dimension(self) -> int:
            return self.inner.get_embedding_dimension()

        def forward(self, features: dict[str, Any], **kwargs) -> dict[str, Any]:
            ids = features["input_ids"]
            mask = features["attention_mask"]
            feeds = {
                "input_ids": ids.cpu().numpy().astype(np.int64, copy=False),
                "attention_mask": mask.cpu().numpy().astype(np.int64, copy=False),
            }
            (hidden,) = self._session_for_kind().run(["last_hidden_state"], feeds)
            features["token_embeddings"] = torch.from_numpy(hidden)
            return features

        def save(self, output_path: str, *args, **kwargs) -> None:
            self.inner.save(output_path, *args, **kwargs)

    return OnnxTransformer


_MODULE_CLS = None


def onnx_module(inner, session, query_session=None):
    """An OnnxTransformer instance (class built lazily so importing this file stays light)."""
    global _MODULE_CLS
    if _MODULE_CLS is None:
        _MODULE_CLS = _build_module()
    return _MODULE_CLS(inner, session, query_session)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(1)


def _encode(st, texts) -> np.ndarray:
    return st.encode(list(texts), batch_size=16, convert_to_numpy=True, show_progress_bar=False)


def _encode_with(st, session, texts) -> np.ndarray:
    inner = st[0]
    st._modules["0"] = onnx_module(inner, session)
    try:
        return _encode(st, texts)
    finally:
        st._modules["0"] = inner


def build_onnx(st, folder: Path, dest: Path, threads: int, progress: Progress | None = None) -> dict:
    """Export, quantise and validate against the fp32 model; write the file and its manifest into `dest`."""
    progress = progress or (lambda _s, _f: None)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=dest.name + ".build-", dir=dest.parent))
    try:
        progress("exporting ONNX", 0.0)
        fp32 = staging / "model.export.onnx"
        export_fp32(st[0], fp32)
        progress("fusing attention/LayerNorm/GELU", 0.35)
        fused = staging / "model.fused.onnx"
        src = fused if optimize_fp32(fp32, fused, _hf_model(st[0]).config) else fp32
        progress("smoothing activation outliers", 0.45)
        smoothed = staging / "model.smoothed.onnx"
        smoothed_ops = smooth_fp32(st, src, smoothed)
        progress("quantising int8 (per-channel)", 0.55)
        q = staging / ONNX_FILE
        quantize_int8(smoothed if smoothed_ops else src, q)
        decomposed = decompose_norms(q)
        query_graph = staging / QUERY_FILE
        if not list(staging.glob("*.data")):  # a single-file fp32 graph (models under 2 GB) serves queries
            src.replace(query_graph)
            decompose_norms(query_graph)
        for extra in list(staging.glob("*.data")) + [fp32, fused, smoothed]:
            extra.unlink(missing_ok=True)
        progress("validating against fp32", 0.85)
        ref = _encode(st, CALIBRATION)
        got = _encode_with(st, make_session(q, threads), CALIBRATION)
        cos = _cosines(ref, got)
        quality = {"mean_cosine": float(cos.mean()), "min_cosine": float(cos.min())}
        accepted = quality["mean_cosine"] >= MIN_MEAN_COSINE
        if query_graph.is_file():
            qcos = _cosines(ref, _encode_with(st, make_session(query_graph, threads), CALIBRATION))
            quality["query_graph_min_cosine"] = float(qcos.min())
            if qcos.min() < 0.9999:  # the fused fp32 graph must reproduce torch; else queries use int8
                query_graph.unlink()
        write_manifest(
            staging,
            source={"kind": "onnx-int8", "folder": str(folder), "key": _source_key(folder)},
            extra={"quality": quality, "accepted": accepted, "smoothed_ops": smoothed_ops,
                   "decomposed_layer_norms": decomposed},
        )
        if dest.exists():
            shutil.rmtree(dest)
        staging.rename(dest)
        for stale in dest.parent.glob(f"{Path(folder).name}-*"):
            if stale != dest and stale.is_dir() and ".build-" not in stale.name:
                shutil.rmtree(stale, ignore_errors=True)  # exports of weights that no longer exist
        progress("done", 1.0)
        log.info("ONNX int8 export of %s: mean cosine %.4f (min %.4f) -> %s",
                 folder.name, quality["mean_cosine"], quality["min_cosine"], "kept" if accepted else "rejected")
        return {"quality": quality, "accepted": accepted}
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def use_onnx(st, *, folder: Path, model_dir: Path, threads: int, progress: Progress | None = None) -> Path:
    """Swap the ST model's Transformer for the cached (or freshly built) int8 ONNX module; return its path."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError as e:
        raise OnnxUnavailable("onnxruntime is not installed") from e
    first = st[0]
    if not hasattr(first, "preprocess") or getattr(first, "auto_model", None) is None and not hasattr(first, "model"):
        raise OnnxUnavailable(f"first module {type(first).__name__} is not a Transformer")
    dest = onnx_dir(model_dir, folder)
    if not verify_manifest(dest):
        try:
            build_onnx(st, Path(folder), dest, threads, progress)
        except OnnxUnavailable:
            raise
        except Exception as e:  # noqa: BLE001 - exporter/quantiser failures mean "use torch"
            raise OnnxUnavailable(f"export failed: {e}") from e
    man = read_manifest(dest) or {}
    if not man.get("accepted"):
        raise OnnxUnavailable(f"int8 model below quality bar ({man.get('quality')})")
    try:
        session = make_session(dest / ONNX_FILE, threads)
    except Exception as e:  # noqa: BLE001
        raise OnnxUnavailable(f"onnxruntime cannot load {dest / ONNX_FILE}: {e}") from e
    query_graph = dest / QUERY_FILE
    # Opened on the first query, so an ingest never holds the fp32 graph in memory.
    query_session = (lambda: make_session(query_graph, threads)) if query_graph.is_file() else None
    st._modules["0"] = onnx_module(first, session, query_session)
    return dest / ONNX_FILE
