"""`khabar repl`: an interactive terminal chat over one AnswerService, with follow-ups and bidi handling.

Input: one question per line. A line ending with `\\` continues on the next line; a pasted block of
several lines (bracketed paste, or lines already waiting on the terminal when the first one is read)
is joined into one question. Lines starting with `/` are commands (see HELP_EN).
"""

from __future__ import annotations

import json
import logging
import os
import re
import select
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.text import Text

from khabar.render import Shape, print_answer, print_hits, print_sources
from retrieval.errors import KhabarError
from retrieval.models import SMALL_TALK, Filters, Turn

log = logging.getLogger(__name__)

MAX_TURNS = 4
MAX_K = 20
PASTE_WAIT_S = 0.05
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
# Terminals that implement the Unicode bidi algorithm themselves (reordering again would garble them).
_BIDI_ENV_VARS = ("VTE_VERSION", "KONSOLE_VERSION", "KONSOLE_DBUS_SESSION", "MLTERM")
_BIDI_TERM_PROGRAMS = ("apple_terminal", "mlterm", "konsole", "gnome-terminal")

HELP_EN = """\
Ask a question in Arabic or English; answers cite the articles as [n] with verbatim quotes.
Follow-ups ("and what did Putin say?") use the earlier turns; /clear forgets them.
  /help              this help
  /k N               how many passages to use (1-20; now {k})
  /source S          only articles from outlet S, by id or name (/source alone clears it)
  /agency A          only articles from wire agency A, any of its names (/agency alone clears it)
  /city C            only articles with dateline city C (/city alone clears it)
  /since YYYY-MM-DD  only articles from that date on (/since alone clears it)
  /until YYYY-MM-DD  only articles up to that date (/until alone clears it)
  /sources           outlets in the index and their article counts
  /search QUERY      show the best matching articles instead of an answer
  /json              toggle raw JSON output (now {json})
  /bidi on|off       reorder Arabic for terminals without bidi support (now {bidi})
  /clear             forget the conversation (follow-ups start afresh)
  /quit, /exit       leave (Ctrl-D too); Ctrl-C cancels the current input or question
A line ending with \\ continues on the next line; a pasted block of lines is one question."""

@dataclass(frozen=True)
class ReplState:
    """Everything a command can change; a new state per change keeps commands pure and testable."""

    k: int = 5
    filters: Filters = Filters()
    json: bool = False
    bidi: bool = False
    history: tuple[Turn, ...] = ()
    language: str = "en"  # of the last question, for messages that have no question of their own


@dataclass(frozen=True)
class CommandResult:
    state: ReplState
    message: str = ""
    action: str = ""  # "" | "quit" | "help" | "sources" | "search"
    arg: str = ""
    error: bool = False


@dataclass
class _Session:
    service: object
    console: Console
    out: TextIO
    state: ReplState
    read_line: Callable[[str], str]
    pending: Callable[[], bool] = field(default=lambda: False)


# -- pure helpers ------------------------------------------------------------------------------
def language_of(text: str, default: str = "en") -> str:
    """"ar" when the text has Arabic letters (or ؟ ، ؛), else `default` when it has no Latin ones, else "en"."""
    if _ARABIC.search(text):
        return "ar"
    return "en" if re.search(r"[A-Za-z]", text) else default


def bidi_shaper(enabled: bool) -> Shape | None:
    """A line shaper that turns logical-order text into visual order (None = leave it to the terminal)."""
    if not enabled:
        return None
    try:  # the pure-Python algorithm also mirrors brackets in RTL runs, which a terminal without bidi needs
        from bidi.algorithm import get_display
    except ImportError:
        from bidi import get_display

    def shape(line: str) -> str:
        if not _ARABIC.search(line):
            return line
        rtl = len(_ARABIC.findall(line)) >= len(re.findall(r"[A-Za-z]", line))
        return get_display(line, base_dir="R" if rtl else "L")

    return shape


def resolve_bidi(mode: str, env: dict | None = None, *, isatty: bool = True) -> bool:
    """Whether to reorder Arabic ourselves: on/off as given; auto asks KHABAR_BIDI, then the terminal."""
    env = os.environ if env is None else env
    mode = (mode or "auto").lower()
    if mode == "auto":
        mode = (env.get("KHABAR_BIDI") or "auto").lower()
    if mode in ("on", "1", "true", "yes"):
        return True
    if mode in ("off", "0", "false", "no"):
        return False
    if not isatty:  # a pipe or a file gets logical order
        return False
    if any(env.get(v) for v in _BIDI_ENV_VARS):
        return False
    if (env.get("TERM_PROGRAM") or "").lower() in _BIDI_TERM_PROGRAMS or (env.get("TERM") or "").startswith("mlterm"):
        return False
    return True


def parse_command(line: str) -> tuple[str, str] | None:
    """"/k 3" -> ("k", "3"); None for a question."""
    s = line.strip()
    if not s.startswith("/") or s.startswith("//"):
        return None
    name, _, arg = s[1:].partition(" ")
    return name.lower(), arg.strip()


def _iso_date(text: str) -> str:
    return date.fromisoformat(text).isoformat()


def apply_command(state: ReplState, name: str, arg: str) -> CommandResult:
    """Apply one /command to the state; never raises (bad arguments come back as an error message)."""
    f = state.filters
    if name in ("quit", "exit", "q"):
        return CommandResult(state, action="quit")
    if name in ("help", "h", "?"):
        return CommandResult(state, action="help")
    if name == "k":
        if not arg:
            return CommandResult(state, f"k = {state.k}")
        if not arg.isdigit() or not 1 <= int(arg) <= MAX_K:
            return CommandResult(state, f"/k takes a number from 1 to {MAX_K}", error=True)
        return CommandResult(replace(state, k=int(arg)), f"k = {int(arg)}")
    if name in ("source", "agency", "city"):
        value = arg or None
        new = replace(state, filters=replace(f, **{name: value}))
        return CommandResult(new, f"{name} = {value}" if value else f"{name} filter cleared")
    if name in ("since", "until"):
        if not arg or arg.lower() in ("off", "none", "-"):
            return CommandResult(replace(state, filters=replace(f, **{name: None})), f"{name} filter cleared")
        try:
            value = _iso_date(arg)
        except ValueError:
            return CommandResult(state, f"/{name} takes a real date as YYYY-MM-DD (got {arg!r})", error=True)
        new_f = replace(f, **{name: value})
        if new_f.since and new_f.until and new_f.since > new_f.until:
            return CommandResult(state, f"since ({new_f.since}) is after until ({new_f.until})", error=True)
        return CommandResult(replace(state, filters=new_f), f"{name} = {value}")
    if name == "json":
        on = {"on": True, "off": False}.get(arg.lower(), not state.json)
        return CommandResult(replace(state, json=on), f"json output {'on' if on else 'off'}")
    if name == "bidi":
        if arg.lower() not in ("on", "off", ""):
            return CommandResult(state, "/bidi takes on or off", error=True)
        on = (arg.lower() == "on") if arg else not state.bidi
        return CommandResult(replace(state, bidi=on), f"bidi reordering {'on' if on else 'off'}")
    if name == "clear":
        return CommandResult(replace(state, history=()), "conversation cleared")
    if name == "sources":
        return CommandResult(state, action="sources")
    if name == "search":
        if not arg:
            return CommandResult(state, "/search takes a query", error=True)
        return CommandResult(state, action="search", arg=arg)
    return CommandResult(state, f"unknown command /{name}; /help lists them", error=True)


def friendly_error(exc: Exception, language: str) -> str:
    """One line for the user, in the question's language."""
    msg = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if language == "ar":
        if getattr(exc, "ar", ""):  # the service says it in Arabic itself (every BadQuestionError)
            return exc.ar
        if isinstance(exc, KhabarError):
            return f"تعذّرت الإجابة: {msg}"
        return f"حدث خطأ غير متوقع: {msg}"
    if isinstance(exc, KhabarError):
        return msg[:1].upper() + msg[1:] + ("" if msg.endswith(".") else ".")
    return f"Unexpected error: {msg}"


def join_lines(lines: list[str]) -> str:
    """Pasted or continued lines -> one question (a trailing backslash marks a continuation)."""
    parts = [ln[:-1] if ln.endswith("\\") else ln for ln in (x.rstrip() for x in lines)]
    return " ".join(p.strip() for p in parts if p.strip())


def prompt_for(state: ReplState) -> str:
    bits = [] if state.k == 5 else [f"k={state.k}"]
    f = state.filters
    bits += [f"{n}={getattr(f, n)}" for n in ("source", "agency", "city", "since", "until") if getattr(f, n)]
    if state.history:
        bits.append(f"+{len(state.history)}")
    return f"khabar[{' '.join(bits)}]> " if bits else "khabar> "


def history_file() -> Path:
    home = os.environ.get("KHABAR_HOME")
    return Path(home) / "repl_history" if home else Path.home() / ".khabar_history"


# -- the loop ----------------------------------------------------------------------------------
def _setup_readline(path: Path) -> Callable[[], None]:
    """Load history; return the function that saves it (a no-op without readline)."""
    try:
        import readline
    except ImportError:
        return lambda: None
    try:
        readline.read_history_file(path)
    except (OSError, UnicodeDecodeError):
        pass
    readline.set_history_length(1000)

    def save() -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(path)
        except OSError as exc:
            log.debug("history not saved: %s", exc)

    return save


def _fd_pending(stream: TextIO) -> Callable[[], bool]:
    def pending() -> bool:
        try:
            ready, _, _ = select.select([stream], [], [], PASTE_WAIT_S)
        except (OSError, ValueError):
            return False
        return bool(ready)

    return pending


def _read_question(s: _Session) -> str:
    """Read one question or command: continuation lines and pasted blocks are joined."""
    first = s.read_line(prompt_for(s.state))
    lines = first.split("\n")  # bracketed paste hands over several lines at once
    if parse_command(lines[0]) is not None and len(lines) == 1:
        return lines[0]
    while lines[-1].rstrip().endswith("\\") or s.pending():
        more = s.read_line("... " if lines[-1].rstrip().endswith("\\") else "")
        lines.extend(more.split("\n"))
    return join_lines(lines)


def _banner(s: _Session) -> None:
    c = s.console
    try:
        st = s.service.stats()
        sources = st.get("sources") or {}
        dates = f", {st['date_min']} … {st['date_max']}" if st.get("date_min") else ""
        line = (f"{st['articles']} articles, {st['chunks']} chunks, {len(sources)} sources{dates} · "
                f"model {st.get('embedding_model')}")
    except Exception as exc:  # the banner must not stop the REPL
        log.debug("stats failed", exc_info=True)
        line = f"index stats unavailable: {exc}"
    c.print(Text("Khabar — cited answers from the news corpus", style="bold"))
    c.print(Text(line, style="dim"))
    c.print(Text("Ask in Arabic or English · /help for commands · /k /source /since /until filter · "
                 f"Ctrl-D to quit · bidi {'on' if s.state.bidi else 'off'} (/bidi on|off)", style="dim"))


def _emit_json(s: _Session, obj) -> None:
    s.out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    s.out.flush()


def _ask(s: _Session, question: str) -> None:
    st = s.state
    lang = language_of(question, st.language)
    s.state = st = replace(st, language=lang)
    answer = s.service.ask(question, k=st.k, filters=None if st.filters.is_empty() else st.filters,
                           history=st.history)
    turns = st.history if answer.mode == SMALL_TALK else (st.history + (Turn(question, answer.text),))[-MAX_TURNS:]
    s.state = replace(st, language=answer.language, history=turns)  # "thanks" is no context for a follow-up
    if st.json:
        _emit_json(s, answer.to_dict())
    else:
        print_answer(answer, s.console, shape=bidi_shaper(st.bidi))


def _search(s: _Session, query: str) -> None:
    st = s.state
    hits = s.service.search(query, k=max(st.k, 5), filters=None if st.filters.is_empty() else st.filters)
    if st.json:
        _emit_json(s, {"query": query, "hits": [h.to_dict() for h in hits]})
    else:
        print_hits(hits, s.console, shape=bidi_shaper(st.bidi))


def _handle(s: _Session, text: str) -> bool:
    """Handle one input; False when the REPL should stop."""
    cmd = parse_command(text)
    if cmd is None:
        _ask(s, text)
        return True
    res = apply_command(s.state, *cmd)
    s.state = res.state
    if res.action == "quit":
        return False
    if res.action == "help":
        st = s.state
        s.console.print(Text(HELP_EN.format(k=st.k, json="on" if st.json else "off", bidi="on" if st.bidi else "off")))
    elif res.action == "sources":
        sources = s.service.sources()
        if s.state.json:
            _emit_json(s, sources)
        else:
            print_sources(sources, s.console)
    elif res.action == "search":
        _search(s, res.arg)
    if res.message:
        s.console.print(Text(res.message, style="red" if res.error else "green"))
    return True


def run_repl(service, *, bidi: str = "auto", stdin: TextIO | None = None, stdout: TextIO | None = None,
             history_path: Path | None = None) -> int:
    """Run the chat until /quit or end of input; returns the exit status."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin is sys.stdin and stdin.isatty()
    tty_out = hasattr(stdout, "isatty") and stdout.isatty()
    console = Console(file=stdout, highlight=False, force_terminal=None if tty_out else False)
    state = ReplState(bidi=resolve_bidi(bidi, isatty=tty_out))

    if interactive:
        # the models and indexes load while the first question is typed (3 s at 30k articles); not a daemon
        # thread, so an early /quit waits for it rather than shut the interpreter down under native code
        threading.Thread(target=service.warm_up, name="khabar-warm-up").start()
        save_history = _setup_readline(history_path or history_file())

        def read_line(prompt: str) -> str:
            return input(prompt)

        pending = _fd_pending(stdin)
    else:
        save_history = lambda: None  # noqa: E731

        def read_line(prompt: str) -> str:
            line = stdin.readline()
            if not line:
                raise EOFError
            return line.rstrip("\n")

        pending = lambda: False  # noqa: E731

    s = _Session(service=service, console=console, out=stdout, state=state, read_line=read_line, pending=pending)
    _banner(s)
    try:
        while True:
            try:
                text = _read_question(s)
            except KeyboardInterrupt:
                console.print(Text("^C (input cancelled; /quit or Ctrl-D leaves)", style="dim"))
                continue
            except EOFError:
                console.print()
                return 0
            if not text.strip():
                continue
            try:
                if not _handle(s, text):
                    return 0
            except KeyboardInterrupt:
                console.print(Text("question cancelled" if s.state.language == "en" else "أُلغي السؤال",
                                   style="yellow"))
            except Exception as exc:  # one friendly line, never a traceback
                log.debug("REPL input failed", exc_info=True)
                lang = language_of(text, s.state.language) if parse_command(text) is None else s.state.language
                console.print(Text(friendly_error(exc, lang), style="red"))
    finally:
        save_history()
