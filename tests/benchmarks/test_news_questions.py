"""The hand-written SaudiNewsNet question set stays consistent with the data it points into."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest

from corpus.ids import article_id_for_url
from corpus.loaders import iter_articles
from corpus.models import Article

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))

from _common import norm_text
from news_answers import QUESTIONS, gold_sets, load_questions


@pytest.fixture(scope="module")
def day(shared_dir: Path) -> Path:
    return shared_dir / "data" / "saudinewsnet" / "2015-07-23.zip"


def test_every_answerable_question_points_at_a_real_answer_span(day: Path):
    rows = load_questions(QUESTIONS)
    with zipfile.ZipFile(day) as z:
        content = {r["url"]: r["content"] for r in json.loads(z.read("2015-07-23.json"))}
    answerable = [r for r in rows if r["kind"] == "answerable"]
    assert len(answerable) >= 50 and len(rows) - len(answerable) >= 8
    for r in answerable:
        text = content[r["url"]]
        span = text[r["answer_start"]: r["answer_end"]]
        assert 0 <= r["answer_start"] < r["answer_end"] <= len(text)
        assert 2 <= len(span.split()) <= 15, (r["question_en"], span)
        assert r["question_en"].rstrip().endswith("?")
    golds = gold_sets(rows, day)
    assert len(golds) == len(answerable)  # one entry per question, keyed by its English text
    # every answer survives loading and cleaning into the article text that quotes are cut from
    texts = {a.article_id: norm_text(a.text) for a in iter_articles([day]) if isinstance(a, Article)}
    for r in answerable:
        gold, copies, answer = golds[r["question_en"]]
        assert gold == article_id_for_url(r["url"]) and gold not in copies
        assert norm_text(answer) in texts[gold], r["question_en"]


def test_questions_are_asked_in_both_languages():
    for r in load_questions(QUESTIONS):
        assert r["question_en"].strip() and r["question_ar"].strip()
        assert any("\u0600" <= ch <= "\u06ff" for ch in r["question_ar"])
        assert not any("\u0600" <= ch <= "\u06ff" for ch in r["question_en"])


def test_a_bad_record_is_a_clear_error(tmp_path: Path):
    bad = tmp_path / "q.jsonl"
    bad.write_text(json.dumps({"kind": "answerable", "question_en": "Who?"}) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="q.jsonl:1: bad record"):
        load_questions(bad)
