"""`khabar repl` through a real pseudo-terminal (pexpect), plus its pure helpers."""

from __future__ import annotations

import io
import json
import re
import sys

import pexpect
import pytest
from bidi import get_display

from khabar.repl import (
    ReplState,
    apply_command,
    bidi_shaper,
    friendly_error,
    join_lines,
    language_of,
    parse_command,
    prompt_for,
    resolve_bidi,
    run_repl,
)
from retrieval.errors import BadQuestionError, KhabarError
from retrieval.models import SMALL_TALK, Answer, Citation, Filters, Turn
from retrieval.service import clean_question
from tests.conftest import default_sigint
from tests.khabar.conftest import REPO, SEED_ID

PROMPT = r"khabar(\[[^\]\r\n]*\])?> "
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[=>]")


def _clean(text: str) -> str:
    return _ANSI.sub("", text).replace("\r", "")


class Pty:
    """One `khabar repl` in a pseudo-terminal; `send` returns what it printed before the next prompt."""

    def __init__(self, env: dict, *args: str, verbose: bool = False):
        env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}  # the pty's size rules
        cli = ["-m", "khabar", *(["-v"] if verbose else []), "repl", *args]
        self.child = pexpect.spawn(sys.executable, cli, env=env, cwd=str(REPO),
                                   encoding="utf-8", timeout=180, dimensions=(50, 120), preexec_fn=default_sigint)
        self.child.expect(PROMPT)
        self.banner = _clean(self.child.before)

    def send(self, line: str) -> str:
        self.child.sendline(line)
        self.child.expect(PROMPT)
        out = _clean(self.child.before)
        print(f"--- {line!r}\n{out}")
        return out


def _json_line(out: str) -> dict:
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    assert len(lines) == 1, out
    return json.loads(lines[0])


@pytest.fixture(scope="module")
def repl(indexed_home):
    # Logical order (--bidi off) so Arabic substrings can be matched; /bidi on is exercised below.
    pty = Pty(indexed_home.env, "--bidi", "off")
    yield pty
    if pty.child.isalive():
        pty.child.sendline("/quit")
        pty.child.expect(pexpect.EOF)
    pty.child.close()


@pytest.mark.slow
def test_repl_session_through_a_pty(repl, indexed_home):
    print(repl.banner)
    assert "7 articles" in repl.banner and "2 sources" in repl.banner
    assert "/help" in repl.banner

    out = repl.send("ماذا قال شي جين بينغ عن العلاقات مع روسيا؟")
    assert "Traceback" not in out
    if "[1]" in out and "المصادر" in out:  # answered: the citation names the seed article
        assert SEED_ID in out
        assert "شي" in out.split("المصادر", 1)[1]
    else:  # abstained: the related passages come from the seed
        assert "مقاطع ذات صلة" in out and SEED_ID in out

    out = repl.send("What did Xi Jinping say about relations with Russia?")
    assert "Traceback" not in out
    assert SEED_ID in out  # cited or shown as related: either way the seed article is what it found
    assert ("Sources" in out) or ("Related passages" in out)
    # quotes are verbatim Arabic from the article, whatever the question's language
    assert "بوتين" in out or "روسيا" in out or "الروسي" in out

    out = repl.send("/k 3")
    assert "k = 3" in out
    out = repl.send("/source okaz")
    assert "source = okaz" in out
    out = repl.send("/json")
    assert "json output on" in out

    ans = _json_line(repl.send("What did Xi Jinping say about relations with Russia?"))
    assert set(ans) >= {"question", "language", "answer", "abstained", "citations", "related", "timings_ms"}
    assert ans["language"] == "en"
    # /source okaz filters the seed (no source) out: nothing cited or related may come from elsewhere
    assert all(c["source"] == "okaz" for c in ans["citations"] + ans["related"])
    assert SEED_ID not in json.dumps(ans)
    assert len(ans["citations"]) <= 3

    repl.send("/source")
    ans = _json_line(repl.send("وماذا قال بوتين؟"))
    assert ans["language"] == "ar" and ans["question"] == "وماذا قال بوتين؟"
    # the follow-up is resolved against the earlier turns about Xi and Russia: it lands on the seed
    found = [c["article_id"] for c in ans["citations"] + ans["related"]]
    assert SEED_ID in found
    if not ans["abstained"]:
        assert any("بوتين" in c["quote"] for c in ans["citations"])

    # a pasted block of two lines is one question; a trailing backslash continues the line
    repl.child.send("What did Xi Jinping say\nabout relations with Russia?\n")
    repl.child.expect(PROMPT)
    ans = _json_line(_clean(repl.child.before))
    assert ans["question"] == "What did Xi Jinping say about relations with Russia?"
    repl.child.sendline("What did Xi Jinping say \\")
    repl.child.expect(r"\.\.\. ")
    ans = _json_line(repl.send("about Russia?"))
    assert ans["question"] == "What did Xi Jinping say about Russia?"

    out = repl.send("/sources")
    assert _json_line(out) == {"okaz": 3, "alriyadh": 3}
    out = repl.send("/json")
    assert "json output off" in out

    out = repl.send("/help")
    for cmd in ("/k", "/source", "/since", "/until", "/sources", "/json", "/clear", "/quit", "/bidi"):
        assert cmd in out

    out = repl.send("")  # an empty line just prompts again
    assert out.strip() == ""
    out = repl.send("؟؟")  # nothing searchable: one friendly Arabic line, no traceback
    assert "Traceback" not in out and "لا يحتوي السؤال" in out
    out = repl.send("/since 2021-13-01")
    assert "YYYY-MM-DD" in out
    out = repl.send("/clear")
    assert "conversation cleared" in out

    out = repl.send("/bidi on")
    assert "bidi reordering on" in out
    out = repl.send("ماذا قال بوتين عن الصين؟")
    assert get_display("بوتين") in out and "[1]" in out  # visual order: the letters are reversed for a terminal without bidi
    repl.send("/bidi off")

    repl.child.sendcontrol("c")  # Ctrl-C cancels the input line, not the REPL
    repl.child.expect(PROMPT)
    assert repl.child.isalive()

    repl.child.sendline("/quit")
    repl.child.expect(pexpect.EOF)
    repl.child.close()
    assert repl.child.exitstatus == 0


@pytest.mark.slow
def test_ctrl_d_quits_and_history_is_saved(indexed_home):
    pty = Pty(indexed_home.env, "--bidi", "auto")
    pty.send("/k 2")
    pty.child.sendeof()
    pty.child.expect(pexpect.EOF)
    pty.child.close()
    assert pty.child.exitstatus == 0
    hist = (indexed_home.home / "repl_history").read_text(encoding="utf-8")
    assert "/k 2" in hist


@pytest.mark.slow
def test_the_repl_loads_the_models_in_the_background_at_start(indexed_home):
    """The real warm-up runs while the prompt waits for the first question, and ends cleanly."""
    pty = Pty(indexed_home.env, "--bidi", "off", verbose=True)
    seen = pty.banner
    if "models and indexes loaded" not in seen:  # INFO, shown with -v; before or after the prompt
        pty.child.expect("models and indexes loaded")
        seen += _clean(pty.child.before)
    assert "warming up failed" not in seen
    pty.child.sendeof()
    pty.child.expect(pexpect.EOF)
    pty.child.close()
    assert pty.child.exitstatus == 0


# -- pure helpers --------------------------------------------------------------------------------
def test_parse_command():
    assert parse_command("/k 3") == ("k", "3")
    assert parse_command("  /SOURCE  alriyadh ") == ("source", "alriyadh")
    assert parse_command("/quit") == ("quit", "")
    assert parse_command("what is /k?") is None
    assert parse_command("ماذا حدث؟") is None


def test_apply_command_changes_state_and_rejects_bad_arguments():
    s = ReplState()
    s = apply_command(s, "k", "3").state
    assert s.k == 3
    bad = apply_command(s, "k", "0")
    assert bad.error and bad.state.k == 3
    assert apply_command(s, "k", "abc").error
    s = apply_command(s, "source", "okaz").state
    s = apply_command(s, "since", "2015-07-01").state
    s = apply_command(s, "until", "2015-07-31").state
    assert s.filters == Filters(source="okaz", since="2015-07-01", until="2015-07-31")
    assert apply_command(s, "since", "2015-08-01").error  # after until
    assert apply_command(s, "until", "July").error
    s = apply_command(s, "source", "").state
    s = apply_command(s, "since", "").state
    assert s.filters == Filters(until="2015-07-31")
    assert apply_command(s, "json", "").state.json is True
    assert apply_command(apply_command(s, "json", "").state, "json", "").state.json is False
    assert apply_command(s, "bidi", "on").state.bidi is True
    assert apply_command(s, "bidi", "sideways").error
    s = ReplState(history=(Turn("q", "a"),))
    assert apply_command(s, "clear", "").state.history == ()
    assert apply_command(s, "quit", "").action == "quit"
    assert apply_command(s, "exit", "").action == "quit"
    assert apply_command(s, "frobnicate", "").error


def test_prompt_shows_the_active_settings():
    assert prompt_for(ReplState()) == "khabar> "
    s = ReplState(k=3, filters=Filters(source="okaz"), history=(Turn("q"),))
    assert prompt_for(s) == "khabar[k=3 source=okaz +1]> "


def test_bidi_shaper_off_keeps_logical_order_and_on_reorders_arabic():
    assert bidi_shaper(False) is None
    shape = bidi_shaper(True)
    assert shape("What did Xi say?") == "What did Xi say?"
    ar = "قال بوتين إن الشراكة تطورت"
    shown = shape(ar)
    assert shown != ar and shown == get_display(ar, base_dir="R")
    assert shown[::-1] == ar  # pure Arabic: visual order is the reverse
    assert "Xi" in shape("قال Xi إن")  # Latin runs keep their own order inside the Arabic line
    mixed = shape("بحسب (شينخوا) [1]")
    assert "(اوخنيش)" in mixed and "[1]" in mixed  # brackets mirrored, as an RTL terminal would draw them


def test_ask_and_search_take_the_repl_s_bidi_flag():
    from khabar.cli import _shape, build_parser

    for cmd in ("ask", "search"):
        assert _shape(build_parser().parse_args([cmd, "x", "--bidi", "off"])) is None
        assert _shape(build_parser().parse_args([cmd, "x", "--bidi", "on"]))("قال بوتين") == "نيتوب لاق"


def test_resolve_bidi_by_flag_env_and_terminal():
    assert resolve_bidi("on", {}) is True
    assert resolve_bidi("off", {"KHABAR_BIDI": "on"}) is False
    assert resolve_bidi("auto", {"KHABAR_BIDI": "off"}) is False
    assert resolve_bidi("auto", {"KHABAR_BIDI": "on", "VTE_VERSION": "7200"}) is True
    assert resolve_bidi("auto", {"VTE_VERSION": "7200"}) is False  # GNOME Terminal & co. do bidi
    assert resolve_bidi("auto", {"KONSOLE_VERSION": "230800"}) is False
    assert resolve_bidi("auto", {"TERM": "mlterm"}) is False
    assert resolve_bidi("auto", {"TERM": "xterm-256color"}) is True
    assert resolve_bidi("auto", {"TERM": "xterm-256color"}, isatty=False) is False


def test_language_and_friendly_errors():
    assert language_of("ماذا قال؟") == "ar"
    assert language_of("؟؟") == "ar"
    assert language_of("what?") == "en"
    assert language_of("123", default="ar") == "ar"
    def refused(text):
        with pytest.raises(BadQuestionError) as err:
            clean_question(text, max_chars=1000)
        return err.value

    assert friendly_error(refused("  "), "ar") == "السؤال فارغ."  # the service's own Arabic, from where it raises
    msg = friendly_error(refused("س" * 1200), "ar")
    assert "1200" in msg and "1000" in msg and "طويل" in msg
    assert friendly_error(refused("؟!"), "ar") == "لا يحتوي السؤال على كلمات يمكن البحث عنها."
    assert friendly_error(refused("  "), "en") == "The question is empty."
    unknown = BadQuestionError("no article has source 'x' (the most common: okaz)", ar="لا توجد مقالات من المصدر «x»")
    assert friendly_error(unknown, "ar") == "لا توجد مقالات من المصدر «x»"
    assert friendly_error(unknown, "en").startswith("No article has source 'x'")
    assert friendly_error(KhabarError("index is corrupt\nrun doctor"), "en") == "Index is corrupt."
    assert friendly_error(KhabarError("index is corrupt"), "ar") == "تعذّرت الإجابة: index is corrupt"
    assert friendly_error(RuntimeError("boom"), "en") == "Unexpected error: boom"


def test_join_lines():
    assert join_lines(["What did Xi \\", "say?"]) == "What did Xi say?"
    assert join_lines(["ماذا قال", "بوتين؟", ""]) == "ماذا قال بوتين؟"


class _FakeService:
    """Records calls; answers with one citation so the rendering and history paths run without a model."""

    def __init__(self):
        self.calls = []

    def stats(self):
        return {"articles": 2, "chunks": 4, "sources": {"okaz": 2}, "date_min": "2015-07-21",
                "date_max": "2015-07-23", "embedding_model": "fake"}

    def sources(self):
        return {"okaz": 2}

    def ask(self, question, *, k=5, filters=None, history=()):
        self.calls.append((question, k, filters, tuple(history)))
        if question == "boom":
            raise BadQuestionError("the question has no words to search for")
        if question == "شكرا":
            return Answer(question=question, language="ar", text="عفوًا!", abstained=False, mode=SMALL_TALK)
        cit = Citation(n=1, article_id="a1", title="عنوان", source="okaz", agency="", city="", date="2015-07-21",
                       url="", path="x.json", quote="قال بوتين كلاماً", start=0, end=15, score=0.9)
        lang = language_of(question)
        return Answer(question=question, language=lang, text="قال بوتين كلاماً [1]", abstained=False,
                      citations=(cit,))

    def search(self, query, *, k=10, filters=None, mode="hybrid"):
        return []


def test_run_repl_with_plain_streams_keeps_history_and_filters(tmp_path):
    svc = _FakeService()
    stdin = io.StringIO("ماذا قال بوتين؟\n/k 2\n/source okaz\nوماذا قال شي؟\n/clear\nboom\n/json\nagain\n/quit\n")
    out = io.StringIO()
    assert run_repl(svc, bidi="off", stdin=stdin, stdout=out, history_path=tmp_path / "h") == 0
    text = out.getvalue()
    assert "2 articles" in text and "[1] عنوان" in text and "«قال بوتين كلاماً»" in text
    (q1, k1, f1, h1), (q2, k2, f2, h2), (q3, k3, f3, h3), (q4, *_rest) = svc.calls
    assert (k1, f1, h1) == (5, None, ())
    assert k2 == 2 and f2 == Filters(source="okaz") and h2 == (Turn("ماذا قال بوتين؟", "قال بوتين كلاماً [1]"),)
    assert h3 == ()  # /clear forgot the conversation
    assert "لا يحتوي السؤال" not in text  # "boom" is English: the error is in English
    assert "The question has no words to search for." in text
    assert json.loads([ln for ln in text.splitlines() if ln.startswith("{")][0])["question"] == "again"
    assert "Traceback" not in text


def test_small_talk_is_not_remembered_as_the_question_a_follow_up_refers_to():
    svc = _FakeService()
    stdin = io.StringIO("ماذا قال بوتين؟\nشكرا\nوماذا عن شي؟\n")
    run_repl(svc, bidi="off", stdin=stdin, stdout=io.StringIO())
    assert svc.calls[2][3] == (Turn("ماذا قال بوتين؟", "قال بوتين كلاماً [1]"),)


def test_run_repl_ends_on_end_of_input():
    out = io.StringIO()
    assert run_repl(_FakeService(), bidi="on", stdin=io.StringIO("ماذا قال بوتين؟\n"), stdout=out) == 0
    assert get_display("بوتين") in out.getvalue()
