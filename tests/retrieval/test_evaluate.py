"""`khabar eval squad`: SQuAD loading, metric arithmetic, and a full run over a real Chroma index."""

import json

import pytest

from corpus.models import Article
from khabar.evaluate import (
    gold_rank,
    load_squad,
    near_duplicate_groups,
    percentile,
    rank_metrics,
    run_squad_eval,
    select_questions,
)
from khabar.settings import Settings
from tests.fakes import HashEmbedder

CONTEXTS = {
    "data": [
        {"title": "Falcons", "paragraphs": [
            {"context": "The peregrine falcon hunts pigeons over the desert near Riyadh.",
             "qas": [{"id": "q1", "question": "What does the peregrine falcon hunt?",
                      "answers": [{"text": "pigeons", "answer_start": 28}]}]},
            {"context": "Camel racing draws crowds every winter in Taif with robot jockeys.",
             "qas": [{"id": "q2", "question": "Where is camel racing held every winter?", "answers": []},
                     {"id": "q3", "question": "Who rides the camels in the race?", "answers": []}]},
        ]},
        {"title": "Dates_Fruit", "paragraphs": [
            {"context": "Date palms in Al-Ahsa oasis produce sweet khalas fruit each summer.",
             "qas": [{"id": "q4", "question": "Which oasis grows khalas date palms?",
                      "answers": [{"text": "Al-Ahsa", "answer_start": 15}]}]},
        ]},
    ]
}
# A parallel file: same ids, other wording; an id missing from the contexts is ignored.
QUESTIONS = {
    "data": [
        {"title": "x", "paragraphs": [
            {"context": "unused", "qas": [
                {"id": "q4", "question": "khalas date palms oasis", "answers": []},
                {"id": "q1", "question": "peregrine falcon pigeons", "answers": []},
                {"id": "zz", "question": "not in the contexts", "answers": []},
            ]},
        ]},
    ]
}


@pytest.fixture
def squad_files(tmp_path):
    c = tmp_path / "ctx.json"
    q = tmp_path / "q.json"
    c.write_text(json.dumps(CONTEXTS), encoding="utf-8")
    q.write_text(json.dumps(QUESTIONS), encoding="utf-8")
    return c, q


def test_load_squad_makes_one_article_per_paragraph(squad_files):
    ctx, _ = squad_files
    articles, questions = load_squad(ctx)
    assert [a.article_id for a in articles] == ["squad-0-0", "squad-0-1", "squad-1-0"]
    assert articles[2].title == "Dates Fruit"
    assert all(a.content_hash for a in articles)
    assert questions[1] == ("q2", "Where is camel racing held every winter?", "squad-0-1")
    assert questions[2][2] == "squad-0-1"


def test_parallel_questions_map_to_gold_by_id(squad_files):
    ctx, q = squad_files
    _, qs = select_questions(str(ctx), str(q))
    assert qs == [("q4", "khalas date palms oasis", "squad-1-0"), ("q1", "peregrine falcon pigeons", "squad-0-0")]
    _, same = select_questions(str(ctx), str(ctx))
    assert len(same) == 4


def test_rank_metrics_arithmetic():
    # ranks: hit at 1, at 2, at 7, at 12 (outside MRR@10), missing
    m = rank_metrics([1, 2, 7, 12, 0])
    assert m["recall@1"] == pytest.approx(1 / 5)
    assert m["recall@5"] == pytest.approx(2 / 5)
    assert m["mrr@10"] == pytest.approx(round((1 + 1 / 2 + 1 / 7) / 5, 4))
    assert rank_metrics([]) == {"recall@1": 0.0, "recall@5": 0.0, "mrr@10": 0.0}


def test_gold_rank_and_percentile():
    assert gold_rank(["a", "b", "c"], "b") == 2
    assert gold_rank(["a"], "z") == 0
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile([], 0.95) == 0.0
    assert gold_rank(["a", "b2", "b"], "b", frozenset({"b2"})) == 2


def test_near_duplicate_paragraphs_count_as_the_gold():
    text = "سلاطين الدولة العثمانية هم مجموعة من السلاطين الترك المسلمين السنة من آل عثمان حكموا إمبراطورية واسعة"
    arts = [Article("p1", text), Article("p2", " " + text + "."), Article("p3", "النخيل في الأحساء تنتج التمور كل صيف")]
    groups = near_duplicate_groups(arts)
    assert groups == {"p1": frozenset({"p2"}), "p2": frozenset({"p1"})}


def test_a_paragraph_cut_short_or_extended_counts_as_the_gold():
    """The rule the search merges hits by (a shorter copy inside a longer one), so either copy scores."""
    words = ("تأسست الدولة العثمانية على يد عثمان الأول في الأناضول وتوسعت في البلقان والشرق الأوسط وشمال "
             "أفريقيا وحكمت قرونا طويلة حتى انهيارها بعد الحرب العالمية الأولى وقيام الجمهورية التركية الحديثة "
             "وكانت عاصمتها إسطنبول بعد فتح القسطنطينية على يد السلطان محمد الفاتح").split()
    full = " ".join(words)
    arts = [Article("full", full), Article("cut", " ".join(words[: len(words) * 7 // 10])),
            Article("more", full + " وامتد نفوذها إلى سواحل الجزيرة العربية واليمن والحجاز وعدد من جزر البحر المتوسط"),
            Article("other", "النخيل في الأحساء تنتج التمور كل صيف ويبيعها المزارعون في الأسواق الشعبية")]
    groups = near_duplicate_groups(arts)
    assert groups["full"] == {"cut", "more"} and "other" not in groups


def test_answer_in_normalises_arabic_spellings():
    from khabar.evaluate import answer_in

    assert answer_in("ولد في مدينة إسطنبول عام ١٩٢٠", ["اسطنبول"])
    assert answer_in("قال الرئيسُ إن ...", ["الرئيس"])
    assert not answer_in("ولد في أنقرة", ["اسطنبول"]) and not answer_in("أي نص", ["", "  "])
    # short answers and numbers must stand as words, with at most a proclitic
    assert not answer_in("في عام 2015", ["5"]) and not answer_in("٢٠١٥", ["1"]) and not answer_in("القاهرة", ["قا"])
    assert answer_in("فاز بـ 5 أهداف", ["5"]) and answer_in("زار بمصر والأردن", ["مصر"])
    assert answer_in("في عام ٢٠١٥ م", ["2015"])


def test_run_squad_eval_on_real_chroma(squad_files, tmp_path):
    ctx, q = squad_files
    home = tmp_path / "home"
    settings = Settings(khabar_home=home)
    res = run_squad_eval(settings, contexts=str(ctx), questions=str(q), modes="all", home=home,
                         embedder=HashEmbedder(), latency_sample=2)
    assert res["contexts"] == 3 and res["questions"] == 2 and res["distractor_articles"] == 0
    assert set(res["modes"]) == {"dense", "lexical", "rrf", "hybrid"}
    for m in res["modes"].values():
        assert set(m) == {"recall@1", "recall@5", "mrr@10", "recall@1_strict", "answer@1", "p50_ms", "p95_ms"}
        assert 0.0 <= m["recall@1_strict"] <= m["recall@1"] <= m["recall@5"] <= 1.0
        assert m["answer@1"] <= m["recall@1"]  # no copies here: the answer is only in its own paragraph
    # Both questions share rare words only with their own paragraph, so BM25 ranks the gold first.
    assert res["modes"]["lexical"]["recall@1"] == 1.0
    assert res["modes"]["lexical"]["recall@1_strict"] == 1.0 and res["modes"]["lexical"]["answer@1"] == 1.0
    assert res["modes"]["hybrid"]["mrr@10"] >= res["modes"]["dense"]["mrr@10"]
    # The index under `home` is reused: a second run indexes nothing new and scores the same.
    again = run_squad_eval(settings, contexts=str(ctx), questions=str(q), modes="lexical", home=home,
                           embedder=HashEmbedder(), latency_sample=1)
    assert again["modes"]["lexical"]["recall@1"] == 1.0
    assert again["distractor_articles"] == 0


def test_latency_sample_embeds_every_timed_query():
    from khabar.evaluate import _latencies

    events = []

    class Embedder:
        def clear_query_cache(self):
            events.append("forget")

    class Searcher:
        embedder = Embedder()

        def search(self, q, *, k, mode):
            events.append(q)

    lat = _latencies(Searcher(), ["a", "b", "c", "d"], k=5, mode="hybrid")
    assert len(lat) == 4 and all(ms >= 0 for ms in lat)
    # three warm-up searches, then every timed search right after the query cache is emptied
    assert events == ["a", "b", "c", "forget", "a", "forget", "b", "forget", "c", "forget", "d"]


# The contexts in Arabic, same ids: with --mix every other paragraph is indexed in this language instead.
ARABIC = {"data": [
    {"title": "Falcons", "paragraphs": [
        {"context": "يصطاد الصقر الشاهين الحمام فوق الصحراء قرب الرياض.",
         "qas": [{"id": "q1", "question": "ماذا يصطاد الصقر الشاهين؟", "answers": [{"text": "الحمام", "answer_start": 0}]}]},
        {"context": "يجذب سباق الهجن الجماهير كل شتاء في الطائف.", "qas": [
            {"id": "q2", "question": "أين يقام سباق الهجن؟", "answers": []},
            {"id": "q3", "question": "من يركب الهجن؟", "answers": []}]},
    ]},
    {"title": "Dates_Fruit", "paragraphs": [
        {"context": "نخيل واحة الأحساء ينتج تمر الخلاص كل صيف.",
         "qas": [{"id": "q4", "question": "أي واحة تنتج الخلاص؟", "answers": [{"text": "الأحساء", "answer_start": 0}]}]},
    ]},
]}


def test_mixed_language_eval_indexes_every_other_paragraph_from_the_parallel_file(squad_files, tmp_path):
    from khabar.evaluate import mix_articles

    ctx, _ = squad_files
    ar = tmp_path / "ar.json"
    ar.write_text(json.dumps(ARABIC, ensure_ascii=False), encoding="utf-8")
    arts, qs = select_questions(str(ctx), str(ar), str(ar))
    assert [a.text[:3] for a in arts] == ["The", "يجذ", "Dat"] and len(qs) == 4
    with pytest.raises(ValueError, match="lacks 2"):
        mix_articles(arts, arts[:1])
    home = tmp_path / "home"
    res = run_squad_eval(Settings(khabar_home=home), contexts=str(ctx), questions=str(ar), mix=str(ar),
                         modes="lexical", home=home, embedder=HashEmbedder(), latency_sample=1)
    assert res["mixed_contexts"] == 1
    split = res["modes"]["lexical"]["by_gold_file"]
    assert split["contexts"]["questions"] == 2 and split["mix"]["questions"] == 2
    # Arabic questions: BM25 finds the two Arabic-indexed paragraph's questions, not the English ones
    assert split["mix"]["recall@1"] == 1.0 and split["contexts"]["recall@1"] == 0.0
    assert res["modes"]["lexical"]["answer@1"] == 0.0  # the Arabic paragraph's questions have no answers listed
