"""Helpers shared by the benchmark scripts: percentiles and result output."""

from __future__ import annotations

import json


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of `values`, rounded to 0.1."""
    s = sorted(values)
    return round(s[min(len(s) - 1, int(round(q * (len(s) - 1))))], 1) if s else 0.0


def norm_text(text: str) -> str:
    """Arabic-normalised text with single spaces, for checking that a quote contains a gold answer."""
    from corpus.normalize import normalize_arabic

    return " ".join(normalize_arabic(text).split())


def answer_features(service, question: str) -> dict:
    """The abstention features `ask` would weigh for `question`, searched as `ask` searches (dates become windows)."""
    from retrieval.answering import compose_extractive, detect_language

    hits = service.search(question, k=5)
    _, feats = compose_extractive(question, hits, service.manifest.article, service.embedder,
                                  language=detect_language(question), return_features=True)
    return feats.to_dict()


def emit(result: dict, as_json: bool) -> None:
    """Print a result as JSON or as `key: value` lines."""
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for k, v in result.items():
            print(f"{k}: {v}")
