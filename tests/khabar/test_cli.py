"""The `khabar` command end to end, as subprocesses on a tmp KHABAR_HOME (commands run concurrently)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from retrieval.manifest import Manifest
from tests.khabar.conftest import SEED_ID, khabar_env, run_khabar

XI_AR = "ماذا قال شي جين بينغ عن العلاقات مع روسيا؟"
XI_EN = "What did Xi Jinping say about relations with Russia?"
ANSWER_KEYS = {"question", "language", "answer", "abstained", "citations", "related", "timings_ms"}

COMMANDS = {
    "stats": ("stats", "--json"),
    "search": ("search", XI_AR, "--json", "--k", "5"),
    "search_okaz": ("search", XI_AR, "--json", "--source", "okaz"),
    "search_window": ("search", "السعودية", "--json", "--since", "2015-07-22", "--until", "2015-07-31"),
    "ask_ar": ("ask", XI_AR, "--json"),
    "ask_en": ("ask", XI_EN, "--json", "--k", "3"),
    "ask_ar_plain": ("ask", XI_AR),
    "model": ("model", "info", "--json"),
    "discord": ("discord", "--dry-run", "--json"),
}


@pytest.fixture(scope="module")
def results(indexed_home) -> dict:
    """Every read-only command once, three at a time (each loads the model)."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(run_khabar, *args, env=indexed_home.env) for name, args in COMMANDS.items()}
        out = {name: f.result() for name, f in futures.items()}
    for name, proc in out.items():
        print(f"--- {name}: rc={proc.returncode}\n{proc.stdout[:1500]}\n{proc.stderr[-800:]}")
    return out


def _json(results, name):
    proc = results[name]
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _manifest(home: Path) -> Manifest:
    return Manifest(home / "manifest.sqlite3")


@pytest.mark.slow
def test_ingest_summary(indexed_home):
    s = indexed_home.summary
    for key in ("articles_seen", "added", "updated", "unchanged", "removed", "failed", "chunks_added", "errors",
                "seconds", "index"):
        assert key in s, key
    expected = 1 + len(indexed_home.snn)
    assert (s["articles_seen"], s["added"], s["failed"], s["errors"]) == (expected, expected, 0, [])
    assert s["chunks_added"] >= expected
    assert s["index"]["articles"] == expected


@pytest.mark.slow
def test_stats(results, indexed_home):
    st = _json(results, "stats")
    assert set(st) == {"articles", "chunks", "sources", "date_min", "date_max", "embedding_model"}
    assert st["articles"] == 1 + len(indexed_home.snn)
    assert st["sources"] == {"okaz": 3, "alriyadh": 3}
    assert st["chunks"] == indexed_home.summary["chunks_added"]
    assert (st["date_min"], st["date_max"]) == ("2015-07-21", "2020-12-31")
    assert st["embedding_model"] == "intfloat/multilingual-e5-small"


@pytest.mark.slow
def test_search_and_filters(results, indexed_home):
    hits = _json(results, "search")["hits"]
    assert hits[0]["article_id"] == SEED_ID
    manifest = _manifest(indexed_home.home)
    for h in hits:
        text = manifest.article(h["article_id"]).text
        for p in h["passages"]:
            assert text[p["start"]:p["end"]] == p["text"]

    okaz = _json(results, "search_okaz")["hits"]
    assert okaz and {h["source"] for h in okaz} == {"okaz"}

    window = _json(results, "search_window")["hits"]
    assert window and all("2015-07-22" <= h["date"] <= "2015-07-31" for h in window)
    assert {h["source"] for h in window} == {"alriyadh"}  # the okaz picks are from 2015-07-21


@pytest.mark.slow
def test_ask_json_citations_are_verbatim(results, indexed_home):
    manifest = _manifest(indexed_home.home)
    for name, lang in (("ask_ar", "ar"), ("ask_en", "en")):
        ans = _json(results, name)
        assert ANSWER_KEYS <= set(ans)
        assert ans["language"] == lang
        assert isinstance(ans["timings_ms"], dict) and "total_ms" in ans["timings_ms"]
        shown = ans["related"] if ans["abstained"] else ans["citations"]
        assert shown, ans
        assert shown[0]["article_id"] == SEED_ID
        for c in ans["citations"] + ans["related"]:
            assert manifest.article(c["article_id"]).text[c["start"]:c["end"]] == c["quote"]
        if not ans["abstained"]:
            for c in ans["citations"]:
                assert f"[{c['n']}]" in ans["answer"]
    ar = _json(results, "ask_ar")
    assert not ar["abstained"]  # the seed answers the Arabic question directly
    assert len(_json(results, "ask_en")["citations"]) <= 3


@pytest.mark.slow
def test_ask_plain_output(results):
    proc = results["ask_ar_plain"]
    assert proc.returncode == 0, proc.stderr
    assert "[1]" in proc.stdout and "المصادر" in proc.stdout and SEED_ID in proc.stdout
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_model_info_path_loads_in_sentence_transformers(results):
    info = _json(results, "model")
    assert set(info) == {"name", "path", "backend", "dimension", "max_seq_length"}
    assert info["dimension"] == 384 and info["max_seq_length"] > 0
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(info["path"], device="cpu")
    assert model.get_embedding_dimension() == info["dimension"]
    vec = model.encode(["query: ماذا قال بوتين؟"], normalize_embeddings=True)
    assert vec.shape == (1, info["dimension"])


@pytest.mark.slow
def test_discord_dry_run_json(results):
    spec = _json(results, "discord")
    names = {c["name"] for c in spec["commands"]}
    assert "ask" in names
    for c in spec["commands"]:
        assert c["description"] and isinstance(c["options"], list)


def _one_line_error(proc, *, code: int = 2) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    return lines[-1]


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    env = khabar_env(tmp_path / "home")
    missing = tmp_path / "no-such-folder"
    err = _one_line_error(run_khabar("ingest", str(missing), env=env))
    assert err == f"khabar: {missing}: no such file or directory"
    err = _one_line_error(run_khabar("ask", "   ", env=env))
    assert err == "khabar: the question is empty"
    err = _one_line_error(run_khabar("search", "؟؟", env=env))
    assert "no words" in err
    err = _one_line_error(run_khabar("ask", "x", "--since", "2015-13-01", env=env))
    assert "YYYY-MM-DD" in err
    err = _one_line_error(run_khabar("ask", "x", "--since", "2015-08-01", "--until", "2015-07-01", env=env))
    assert "after --until" in err
    for k in ("0", "-3", "500"):
        assert "from 1 to 20" in _one_line_error(run_khabar("ask", "x", "--k", k, env=env))
    assert "from 1 to 50" in _one_line_error(run_khabar("search", "x", "--k", "51", env=env))
    err = _one_line_error(run_khabar("ask", "ما أخبار النفط؟", env=env))  # a home nothing was ingested into
    assert err.startswith("khabar: there is no index at") and "khabar ingest" in err
    err = _one_line_error(run_khabar("stats", env=env))  # and `stats` does not create an empty index there
    assert err.startswith("khabar: there is no index at") and not (tmp_path / "home" / "manifest.sqlite3").exists()


@pytest.mark.slow
def test_eval_on_a_mixed_language_corpus_reaches_the_other_language(tmp_path, shared_dir):
    """The real model over XQuAD paragraphs indexed half in Arabic, half in English, with Arabic news around them:
    Arabic questions whose paragraph is in English are found once the other language is searched on its own."""
    from tests.retrieval.conftest import make_snn_zip

    files = {}
    for lang in ("ar", "en"):
        data = json.loads((shared_dir / "data" / "xquad" / f"xquad.{lang}.json").read_text(encoding="utf-8"))
        files[lang] = tmp_path / f"{lang}.json"
        files[lang].write_text(json.dumps({"data": data["data"][:6]}, ensure_ascii=False), encoding="utf-8")
    distractors = make_snn_zip(tmp_path / "day.zip", 150, shared=shared_dir)
    args = ("eval", "squad", "--contexts", str(files["ar"]), "--mix", str(files["en"]), "--questions",
            str(files["ar"]), "--distractors", str(distractors), "--mode", "hybrid", "--json")
    runs = {}
    for bonus in ("0", "0.05"):  # the same index both times; only the search differs
        proc = run_khabar(*args, env=khabar_env(tmp_path / "home", KHABAR_CROSS_LANGUAGE_BONUS=bonus))
        assert proc.returncode == 0, proc.stderr
        runs[bonus] = json.loads(proc.stdout)["modes"]["hybrid"]["by_gold_file"]
    off, on = runs["0"], runs["0.05"]
    assert on["mix"]["questions"] > 50
    assert on["mix"]["recall@1"] >= off["mix"]["recall@1"] + 0.15, runs  # English paragraphs, Arabic questions
    assert on["mix"]["recall@5"] >= off["mix"]["recall@5"] + 0.15, runs
    assert on["contexts"]["recall@1"] >= off["contexts"]["recall@1"] - 0.05, runs  # Arabic ones barely move


def test_khabar_discord_logs_at_log_level_and_says_when_it_is_not_one(monkeypatch, tmp_path, caplog, capsys):
    """The bot is long-running: LOG_LEVEL from .env decides what it logs when -v does not."""
    import logging

    from khabar.cli import main

    monkeypatch.setenv("KHABAR_HOME", str(tmp_path))
    root = logging.getLogger()
    before = root.level
    try:
        monkeypatch.setenv("LOG_LEVEL", "debug")
        assert main(["discord", "--dry-run", "--json"]) == 0
        assert root.level == logging.DEBUG
        root.setLevel(logging.WARNING)
        monkeypatch.setenv("LOG_LEVEL", "chatty")
        assert main(["discord", "--dry-run", "--json"]) == 0
        assert root.level == logging.WARNING and "LOG_LEVEL='chatty' is not a logging level" in caplog.text
    finally:
        root.setLevel(before)
    assert '"commands"' in capsys.readouterr().out
