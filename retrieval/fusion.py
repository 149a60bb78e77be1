"""Score fusion of dense and lexical evidence; pure functions, no backends.

Rank fusion (RRF) trusts BM25's ranking even when BM25 knows none of the query's words, which
wrecks English questions over Arabic text. Here both scores are known for every candidate and
the lexical part is weighted by how much of the query the lexical index actually recognises.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def minmax(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return values
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-9:
        return np.ones_like(values) if hi > 0 else np.zeros_like(values)
    return (values - lo) / (hi - lo)


def zscore(values: np.ndarray) -> np.ndarray:
    """Standardise scores over the candidate set, so cosine and BM25 become comparable units."""
    if values.size == 0:
        return values
    sd = float(values.std())
    if sd < 1e-9:
        return np.zeros_like(values)
    return (values - float(values.mean())) / sd


def lexical_weight(coverage: float, *, base: float = 1.0, min_coverage: float = 0.3) -> float:
    """Weight of BM25 in the fused score: zero when too few query terms exist in the corpus."""
    if coverage <= min_coverage:
        return 0.0
    return base * (coverage - min_coverage) / (1.0 - min_coverage)


def fuse(dense: Mapping[str, float], lexical: Mapping[str, float], *, weight: float,
         method: str = "zscore") -> dict[str, float]:
    """Fused score per chunk id: normalised dense cosine plus `weight` times normalised BM25.

    `zscore` standardises both over the candidates (measured best); `minmax` scales dense to [0, 1] and
    BM25 by its maximum. A candidate missing a dense score gets the lowest one, missing BM25 counts as 0.
    """
    ids = list(dict.fromkeys([*dense, *lexical]))
    return fuse_pools(dense, [(ids, lexical, weight)], method=method)


def fuse_pools(dense: Mapping[str, float], pools: Sequence[tuple[Sequence[str], Mapping[str, float], float]], *,
               method: str = "zscore") -> dict[str, float]:
    """Like `fuse`, with each pool's lexical scores normalised among that pool's candidates only.

    A pool is (chunk ids, lexical scores, weight). In a mixed-language corpus each script is a pool: BM25
    over a question's own words only reaches chunks in its own language, and the other language's chunks
    are ranked among themselves by translated terms (or not at all, at weight 0), never pushed down as a
    block for lacking the question's words. Dense scores are normalised over all candidates.
    """
    if method not in ("zscore", "minmax"):
        raise ValueError("method must be zscore or minmax")
    ids = [i for pool_ids, _, _ in pools for i in pool_ids]
    if not ids:
        return {}
    d = np.array([dense.get(i, np.nan) for i in ids], dtype=np.float64)
    if np.isnan(d).all():
        d = np.zeros(len(ids))
    else:
        d = np.where(np.isnan(d), np.nanmin(d), d)
    fused = zscore(d) if method == "zscore" else minmax(d)
    start = 0
    for pool_ids, lexical, weight in pools:
        end = start + len(pool_ids)
        if weight and end > start:
            ln = np.array([lexical.get(i, 0.0) for i in pool_ids], dtype=np.float64)
            if method == "zscore":
                fused[start:end] += weight * zscore(ln)
            else:
                lmax = ln.max()
                fused[start:end] += weight * (ln / lmax if lmax > 0 else ln)
        start = end
    return dict(zip(ids, np.asarray(fused, dtype=np.float64).tolist()))


def rrf(rankings: list[list[str]], *, k: int = 60) -> dict[str, float]:
    """Plain reciprocal-rank fusion, kept as the baseline the evaluation compares against."""
    out: dict[str, float] = {}
    for ranking in rankings:
        for r, cid in enumerate(ranking):
            out[cid] = out.get(cid, 0.0) + 1.0 / (k + r + 1)
    return out
