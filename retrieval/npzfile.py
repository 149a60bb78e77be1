"""Checksummed, atomically written `.npz` files (no pickle) for the indexes kept beside Chroma."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np


def digest(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 over the arrays' names, dtypes and bytes."""
    h = hashlib.sha256()
    for k in sorted(arrays):
        a = np.ascontiguousarray(arrays[k])
        h.update(k.encode())
        h.update(str(a.dtype).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def write(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Write `arrays` plus their digest; a crash leaves either the old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    with open(tmp, "wb") as fh:
        np.savez(fh, digest=np.array([digest(arrays)]), **arrays)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a file `write` made; raises ValueError when its digest does not match."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files if k != "digest"}
        stored = str(z["digest"][0])
    if stored != digest(arrays):
        raise ValueError("checksum mismatch")
    return arrays
