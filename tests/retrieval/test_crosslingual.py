"""Cross-lingual term vectors: spelling choice, translation weights, persistence, and the real model's translations."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from retrieval.analysis import arabic_term_words, terms
from retrieval.crosslingual import CrossLingualTerms

# A toy bilingual space: each English gloss and its Arabic word share one axis.
AXES = {"oil": 0, "النفط": 0, "نفط": 0, "falcon": 1, "الصقر": 1, "pigeon": 2, "حمامة": 2, "desert": 3, "الصحراء": 3}


def toy_embed(words):
    out = np.zeros((len(words), 8), np.float32)
    for i, w in enumerate(words):
        j = AXES.get(w)
        if j is None:
            out[i, 7] = 1.0
        else:
            out[i, j] = 1.0
            out[i, 6] = 0.2  # every known word leans a little on one shared axis
        out[i] /= np.linalg.norm(out[i])
    return out


def built(texts, **kw) -> CrossLingualTerms:
    cl = CrossLingualTerms(model="toy", **kw)
    cl.observe(texts)
    cl.sync(toy_embed)
    return cl


def test_each_term_is_embedded_once_as_its_most_frequent_spelling():
    seen = []

    def embed(words):
        seen.extend(words)
        return toy_embed(words)

    cl = CrossLingualTerms(model="toy")
    cl.observe(["ارتفع النفط ثم نفط ثم النفط", "النفط والصقر"])
    queued = cl.pending
    assert queued == len({t for t, _ in arabic_term_words("ارتفع النفط ثم نفط الصقر")})
    assert cl.sync(embed) == queued == len(seen) == len(cl)
    oil = terms("النفط")[0]
    assert terms("نفط")[0] == oil  # one term, two spellings
    assert cl.words[cl.terms.index(oil)] == "النفط"  # written that way 3 times out of 4
    assert cl.pending == 0 and cl.dirty
    n = len(seen)
    cl.observe(["النفط"])  # known terms are never queued again
    assert cl.pending == 0 and cl.sync(embed) == 0 and len(seen) == n


def test_missing_and_bare_terms():
    cl = built(["النفط"])
    vocab = [terms("النفط")[0], terms("الصحراء")[0], "oil", "2015"]
    assert cl.missing(vocab) == [terms("الصحراء")[0], "oil"]  # digits are never translation targets
    cl.add_bare(cl.missing(vocab))
    assert cl.sync(toy_embed) == 2
    assert cl.words[-2:] == [terms("الصحراء")[0], "oil"] and cl.missing(vocab) == []


def test_translation_weights_best_match_one():
    cl = built(["النفط الصقر حمامة الصحراء"], neighbours=2, temperature=0.05)
    out = cl.translate(["falcon", "pigeon"], toy_embed)
    assert out[terms("الصقر")[0]] == pytest.approx(1.0)
    assert out[terms("حمامة")[0]] == pytest.approx(1.0)
    # The second neighbour of each word is far below its best match.
    others = [w for t, w in out.items() if t not in {terms("الصقر")[0], terms("حمامة")[0]}]
    assert others and max(others) < 1e-3
    assert cl.translate([], toy_embed) == {}
    assert CrossLingualTerms(model="toy").translate(["oil"], toy_embed) == {}  # no vectors yet


def test_of_several_spellings_the_closer_matching_one_speaks_for_the_word():
    """e5 is cased: "Yemen" finds «اليمن», "yemen" only sound-alikes. Here "Falcon" (unknown to the toy space) is
    the worse spelling of "falcon", and neither spelling's neighbours leak in from the other."""
    cl = built(["النفط الصقر حمامة"])
    assert cl.translate([("falcon", "Falcon")], toy_embed) == cl.translate(["falcon"], toy_embed)
    assert cl.translate([("Falcon", "falcon"), "oil"], toy_embed) == cl.translate(["falcon", "oil"], toy_embed)
    from retrieval.analysis import latin_words
    assert latin_words("The Yemen war, yemen WAR") == ["yemen", "war"]
    assert latin_words("The Yemen war, yemen WAR", cased=True) == ["Yemen", "war"]  # as first written


def test_a_mixed_corpus_translates_both_ways():
    """Arabic words find English terms for the English articles, English words Arabic terms: never their own."""
    cl = built(["النفط الصقر حمامة", "The falcon hunts a pigeon over the desert"], neighbours=1)
    assert set(cl.terms) == {terms(w)[0] for w in ("النفط", "الصقر", "حمامة")} | set(terms("falcon hunts pigeon desert"))
    assert cl.words[cl.terms.index(terms("falcon")[0])] == "falcon"
    into_en = cl.translate(["الصقر", "حمامة"], toy_embed, into="latin")
    assert into_en == {terms("falcon")[0]: 1.0, terms("pigeon")[0]: 1.0}
    assert cl.translate(["falcon"], toy_embed) == {terms("الصقر")[0]: 1.0}  # into Arabic by default
    assert CrossLingualTerms(model="toy").translate(["الصقر"], toy_embed, into="latin") == {}


def test_digits_are_not_translation_targets():
    cl = built(["في عام ٢٠١٥ و 2016 ارتفع النفط"])
    assert set(cl.terms) == {terms(w)[0] for w in ("عام", "ارتفع", "النفط")}  # ٢٠١٥ is indexed as 2015, not here


def test_retain_drops_terms_the_lexical_index_lost():
    cl = built(["النفط الصقر حمامة"])
    oil = terms("النفط")[0]
    assert cl.retain({oil, "unrelated"}) == 2 and cl.terms == [oil] and cl.dirty
    assert cl._vectors().shape == (1, 8) and cl.translate(["falcon"], toy_embed) == {oil: 1.0}
    assert cl.retain({oil}) == 0


def test_save_load_round_trip_and_foreign_or_damaged_files(tmp_path, caplog):
    path = tmp_path / "crosslingual.npz"
    cl = built(["النفط الصقر"])
    cl.path = path
    cl.save()
    assert not cl.dirty
    again = CrossLingualTerms.load(path, model="toy")
    assert again.terms == cl.terms and again.words == cl.words
    assert np.allclose(again._vectors(), cl._vectors(), atol=1e-3)
    a, b = again.translate(["falcon"], toy_embed), cl.translate(["falcon"], toy_embed)
    assert a.keys() == b.keys() and all(a[t] == pytest.approx(b[t], rel=0.05) for t in a)  # float16 on disk

    other = CrossLingualTerms.load(path, model="another-model")
    assert len(other) == 0 and other.dirty  # vectors of one model mean nothing to another
    restemmed = CrossLingualTerms.load(path, model="toy", analyzer="another-stemmer")
    assert len(restemmed) == 0  # nor do the stems of another analyzer
    path.write_bytes(path.read_bytes()[:-40])
    with caplog.at_level(logging.WARNING):
        damaged = CrossLingualTerms.load(path, model="toy")
    assert len(damaged) == 0 and "damaged" in caplog.text
    assert len(CrossLingualTerms.load(tmp_path / "absent.npz", model="toy")) == 0


def test_an_interrupted_sync_keeps_what_it_saved(tmp_path):
    path = tmp_path / "crosslingual.npz"
    cl = CrossLingualTerms(path, model="toy")
    cl.observe(["النفط الصقر حمامة الصحراء"])
    calls = []

    def embed(words):
        calls.append(words)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return toy_embed(words)

    with pytest.raises(KeyboardInterrupt):
        cl.sync(embed, batch=2, save_every_s=0)
    again = CrossLingualTerms.load(path, model="toy")
    assert len(again) == 2 and again.terms == cl.terms and cl.pending == 2


@pytest.mark.slow
def test_real_model_maps_english_words_to_their_arabic_terms(real_embedder):
    """The multilingual model itself is the dictionary: common news words find their Arabic term first."""
    pairs = {"oil": "النفط", "president": "الرئيس", "school": "المدرسة", "water": "الماء", "hospital": "المستشفى",
             "football": "كرة", "king": "الملك", "war": "الحرب", "price": "أسعار", "rain": "الأمطار"}
    cl = CrossLingualTerms(model=real_embedder.name)
    cl.observe([" ".join(pairs.values()) + " السيارة الطائرة القمح الذهب الشمس المطار الجامعة"])
    cl.sync(lambda ws: real_embedder.embed_words(ws, bulk=True))
    right = 0
    for en, ar in pairs.items():
        out = cl.translate([en], real_embedder.embed_words)
        best = max(out, key=out.get)
        right += best == terms(ar)[0]
    assert right >= 8, right


def test_a_first_read_is_shared_by_threads_and_survives_a_ctrl_c(tmp_path, monkeypatch):
    """Nobody sees the vectors half-read: a second thread waits for the first read; an interrupted read is redone."""
    import threading

    from retrieval import crosslingual, npzfile

    path = tmp_path / "crosslingual.npz"
    cl = built(["النفط الصقر حمامة"])
    cl.path = path
    cl.save()
    real_read, entered, release = npzfile.read, threading.Event(), threading.Event()

    def slow_read(p):
        entered.set()
        release.wait(5)
        return real_read(p)

    monkeypatch.setattr(crosslingual.npzfile, "read", slow_read)
    again = CrossLingualTerms.load(path, model="toy")
    first = threading.Thread(target=len, args=(again,))
    first.start()
    assert entered.wait(5)
    seen = []
    second = threading.Thread(target=lambda: seen.append(list(again.terms)))
    second.start()
    second.join(0.2)
    assert second.is_alive()  # waits for the read in progress instead of returning empty lists
    release.set()
    first.join(5)
    second.join(5)
    assert seen == [cl.terms]

    def interrupted(p):
        raise KeyboardInterrupt

    monkeypatch.setattr(crosslingual.npzfile, "read", interrupted)
    cut = CrossLingualTerms.load(path, model="toy")
    with pytest.raises(KeyboardInterrupt):
        len(cut)
    monkeypatch.setattr(crosslingual.npzfile, "read", real_read)
    assert cut.terms == cl.terms and not cut.dirty  # read again on next use, nothing lost
