"""Score fusion is pure arithmetic: check it by hand."""

import numpy as np
import pytest

from retrieval.fusion import fuse, lexical_weight, minmax, rrf, zscore


def test_minmax_scales_to_unit_interval_and_handles_constants():
    assert minmax(np.array([2.0, 4.0, 3.0])).tolist() == [0.0, 1.0, 0.5]
    assert minmax(np.array([0.7, 0.7])).tolist() == [1.0, 1.0]
    assert minmax(np.array([0.0, 0.0])).tolist() == [0.0, 0.0]
    assert minmax(np.array([])).size == 0


@pytest.mark.parametrize("coverage", [0.0, 0.2, 0.5])
def test_lexical_weight_is_zero_when_bm25_knows_too_few_words(coverage):
    assert lexical_weight(coverage, base=0.6, min_coverage=0.5) == 0.0


def test_lexical_weight_grows_linearly_to_base():
    assert lexical_weight(1.0, base=0.6, min_coverage=0.5) == pytest.approx(0.6)
    assert lexical_weight(0.75, base=0.6, min_coverage=0.5) == pytest.approx(0.3)
    assert lexical_weight(0.0) == 0.0 and lexical_weight(1.0) > 0


def test_zscore_standardises_and_handles_constants():
    z = zscore(np.array([1.0, 2.0, 3.0]))
    assert z.mean() == pytest.approx(0.0)
    assert z.std() == pytest.approx(1.0)
    assert zscore(np.array([5.0, 5.0])).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("method", ["zscore", "minmax"])
def test_fuse_with_zero_weight_keeps_dense_order(method):
    dense = {"a": 0.80, "b": 0.85, "c": 0.70}
    lex = {"c": 30.0, "a": 1.0}
    out = fuse(dense, lex, weight=0.0, method=method)
    assert sorted(out, key=out.get, reverse=True) == ["b", "a", "c"]


def test_fuse_zscore_adds_weighted_standardised_bm25():
    dense = {"a": 0.9, "b": 0.8, "c": 0.7}
    lex = {"a": 0.0, "b": 10.0, "c": 5.0}
    out = fuse(dense, lex, weight=0.5)
    zd = np.sqrt(1.5)  # z-scores of an evenly spaced triple are -1.2247, 0, 1.2247
    assert out["a"] == pytest.approx(zd + 0.5 * -zd)
    assert out["b"] == pytest.approx(0.0 + 0.5 * zd)
    assert out["c"] == pytest.approx(-zd + 0.0)
    with pytest.raises(ValueError):
        fuse(dense, lex, weight=0.5, method="bogus")


def test_fuse_minmax_adds_weighted_max_normalised_bm25():
    dense = {"a": 0.9, "b": 0.8, "c": 0.7}
    lex = {"a": 0.0, "b": 10.0, "c": 5.0}
    out = fuse(dense, lex, weight=0.6, method="minmax")
    assert out["a"] == pytest.approx(1.0)          # top dense, no lexical support
    assert out["b"] == pytest.approx(0.5 + 0.6)    # half-way dense, best BM25
    assert out["c"] == pytest.approx(0.0 + 0.3)
    assert max(out, key=out.get) == "b"


def test_fuse_lexical_only_candidate_gets_floor_dense_score():
    out = fuse({"a": 0.9, "b": 0.5}, {"z": 4.0}, weight=0.5, method="minmax")
    assert out["z"] == pytest.approx(0.5)  # min dense (0) + 0.5 * 1
    zs = fuse({"a": 0.9, "b": 0.5}, {"z": 4.0}, weight=0.5)
    assert zs["z"] > zs["b"]  # same (floor) dense score as b, plus lexical evidence
    assert fuse({}, {}, weight=1.0) == {}
    only_lex = fuse({}, {"x": 2.0, "y": 1.0}, weight=1.0)
    assert only_lex["x"] > only_lex["y"]


def test_rrf_sums_reciprocal_ranks():
    out = rrf([["a", "b"], ["b", "c"]], k=60)
    assert out["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert out["a"] == pytest.approx(1 / 61)
    assert out["c"] == pytest.approx(1 / 62)


def test_fuse_pools_normalises_lexical_scores_within_each_pool():
    from retrieval.fusion import fuse_pools

    dense = {"a": 0.9, "b": 0.8, "c": 0.7, "x": 0.85, "y": 0.75}
    own = {"a": 0.0, "b": 10.0, "c": 5.0}
    other = {"x": 0.2, "y": 0.1}  # translated BM25: a smaller scale, but ranked among its own pool
    out = fuse_pools(dense, [(["a", "b", "c"], own, 1.0), (["x", "y"], other, 0.5)])
    zd = zscore(np.array([0.9, 0.8, 0.7, 0.85, 0.75]))
    assert out["b"] == pytest.approx(zd[1] + zscore(np.array([0.0, 10.0, 5.0]))[1])
    assert out["x"] == pytest.approx(zd[3] + 0.5 * 1.0) and out["y"] == pytest.approx(zd[4] - 0.5 * 1.0)
    # a pool at weight 0 keeps its dense scores: no lexical evidence is not evidence against it
    silent = fuse_pools(dense, [(["a", "b", "c"], own, 1.0), (["x", "y"], {}, 0.0)])
    assert silent["x"] == pytest.approx(zd[3]) and silent["y"] == pytest.approx(zd[4])
    assert fuse_pools(dense, [(list(dense), own, 1.0)]) == fuse(dense, own, weight=1.0)
    with pytest.raises(ValueError):
        fuse_pools(dense, [], method="bogus")
