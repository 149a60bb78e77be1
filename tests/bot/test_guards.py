"""Cooldown, concurrency gate, bounded history and the feedback log."""

from __future__ import annotations

import json

from bot.feedback import FeedbackLog
from bot.guards import ConcurrencyGate, Cooldown
from bot.history import ConversationHistory
from bot.answering import parse_filters
from retrieval.models import Answer, Citation, Turn


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_cooldown_counts_down_and_stays_bounded():
    clock = Clock()
    cd = Cooldown(10, clock=clock, max_users=50)
    assert cd.remaining(1) == 0
    cd.mark(1)
    clock.now += 4
    assert cd.remaining(1) == 6
    clock.now += 6
    assert cd.remaining(1) == 0
    for u in range(500):
        cd.mark(u)
    assert len(cd) <= 50


def test_gate_limits_per_guild_and_releases():
    gate = ConcurrencyGate(2)
    assert gate.try_enter("g") and gate.try_enter("g") and not gate.try_enter("g")
    assert gate.try_enter("other")
    gate.leave("g")
    assert gate.try_enter("g")


def test_history_is_bounded():
    h = ConversationHistory(max_conversations=3, max_turns=2, max_chars=10)
    for conv in range(5):
        for i in range(4):
            h.add(conv, Turn(question=f"q{i}" * 20, answer="a"))
    assert len(h) == 3 and 0 not in h and 4 in h
    turns = h.turns(4)
    assert len(turns) == 2 and all(len(t.question) <= 10 for t in turns)


def test_feedback_log_hashes_users_and_writes_citations(tmp_path):
    log = FeedbackLog(tmp_path / "home" / "feedback.jsonl")
    c = Citation(n=1, article_id="a1", title="t", source="s", agency="", city="", date="", url="", path="",
                 quote="q", start=3, end=4, score=1.0)
    answer = Answer(question="why?", language="en", text="because [1]", abstained=False, citations=(c,))
    log.record(answer, "up", 123456789012345678)
    log.record(answer, "down", 123456789012345678)
    lines = [json.loads(x) for x in (tmp_path / "home" / "feedback.jsonl").read_text().splitlines()]
    assert [x["verdict"] for x in lines] == ["up", "down"]
    assert lines[0]["citations"] == [{"n": 1, "article_id": "a1", "start": 3, "end": 4}]
    assert lines[0]["user"] == lines[1]["user"] and "123456789012345678" not in json.dumps(lines)
    # the salt persists, so the same user hashes the same after a restart
    assert FeedbackLog(tmp_path / "home" / "feedback.jsonl").user_hash(123456789012345678) == lines[0]["user"]


def test_parse_filters():
    assert parse_filters(None, None, None) == (None, None)
    f, problem = parse_filters(" xinhua ", "2020-01-01", "2020-12-31")
    assert problem is None and f.source == "xinhua" and f.until == "2020-12-31"
    assert parse_filters(None, "2021-01-01", "2020-01-01")[1][0] == "bad_range"
    assert parse_filters(None, "31/12/2020", None)[1][0] == "bad_date"
