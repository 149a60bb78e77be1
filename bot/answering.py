"""The bot's answer path: admission checks, then the blocking service call off the event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date

from bot.formatting import Formatted, clean_question, detect_language, format_answer, format_hits, refusal
from bot.guards import ConcurrencyGate, Cooldown
from retrieval.errors import BadQuestionError, KhabarError
from retrieval.models import Answer, Filters, Turn

log = logging.getLogger(__name__)

DM_BUCKET = "dm"


@dataclass(frozen=True, slots=True)
class Ticket:
    """An admitted question holding one slot of its guild's concurrency gate until answered."""

    question: str
    language: str
    user_id: int
    bucket: Hashable


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to send back; `answer` is set only when the service answered."""

    formatted: Formatted
    answer: Answer | None = None
    refused: str = ""  # the refusal key ("cooldown", "busy", ...) or "" when answered

    @property
    def language(self) -> str:
        return self.formatted.language


class Responder:
    """Cheap checks first (length, cooldown, concurrency), then `service.ask` in a worker thread."""

    def __init__(self, service, *, max_question_chars: int, cooldown_s: float, guild_concurrency: int, clock=None):
        self.service = service
        self.max_question_chars = max_question_chars
        self.cooldown = Cooldown(cooldown_s, **({"clock": clock} if clock else {}))
        self.gate = ConcurrencyGate(guild_concurrency)

    def admit(self, question: str, *, user_id: int, guild_id: int | None) -> Ticket | Outcome:
        """A ticket for an acceptable question, or the polite refusal to send instead."""
        text = clean_question(question)
        lang = detect_language(text)
        if not text:
            return Outcome(refusal("empty", lang), refused="empty")
        if len(text) > self.max_question_chars:
            return Outcome(refusal("too_long", lang, n=len(text), limit=self.max_question_chars), refused="too_long")
        wait = self.cooldown.remaining(user_id)
        if wait > 0:
            return Outcome(refusal("cooldown", lang, s=max(1, round(wait))), refused="cooldown")
        bucket = guild_id if guild_id is not None else DM_BUCKET
        if not self.gate.try_enter(bucket):
            return Outcome(refusal("busy", lang), refused="busy")
        self.cooldown.mark(user_id)
        return Ticket(question=text, language=lang, user_id=user_id, bucket=bucket)

    def release(self, ticket: Ticket) -> None:
        """Give the ticket's slot back without answering (the interaction failed before the question ran)."""
        self.gate.leave(ticket.bucket)

    async def answer(
        self, ticket: Ticket, *, filters: Filters | None = None, history: Sequence[Turn] = (), echo: bool = False
    ) -> Outcome:
        """Run `service.ask` in a thread; always releases the ticket's slot."""
        try:
            answer = await asyncio.to_thread(
                self.service.ask, ticket.question, filters=filters, history=tuple(history)
            )
        except Exception as exc:  # noqa: BLE001 - every failure becomes a short message; details go to the log
            return self._failure(exc, ticket)
        finally:
            self.gate.leave(ticket.bucket)
        lang = answer.language if answer.language in ("ar", "en") else ticket.language
        return Outcome(format_answer(answer, lang=lang, question_echo=echo), answer=answer)

    async def search(self, ticket: Ticket, *, filters: Filters | None = None, k: int = 5) -> Outcome:
        try:
            hits = await asyncio.to_thread(self.service.search, ticket.question, k=k, filters=filters)
        except Exception as exc:  # noqa: BLE001
            return self._failure(exc, ticket)
        finally:
            self.gate.leave(ticket.bucket)
        return Outcome(format_hits(hits, ticket.language))

    async def ask(
        self,
        question: str,
        *,
        user_id: int,
        guild_id: int | None,
        filters: Filters | None = None,
        history: Sequence[Turn] = (),
        echo: bool = False,
    ) -> Outcome:
        admitted = self.admit(question, user_id=user_id, guild_id=guild_id)
        if isinstance(admitted, Outcome):
            return admitted
        return await self.answer(admitted, filters=filters, history=history, echo=echo)

    def _failure(self, exc: Exception, ticket: Ticket) -> Outcome:
        lang = ticket.language
        if isinstance(exc, BadQuestionError):
            log.info("bad question from user %s: %s", ticket.user_id, exc)
            reason = exc.ar if lang == "ar" and exc.ar else str(exc)  # the service says it in both languages
            return Outcome(refusal("bad_question", lang, reason=reason), refused="bad_question")
        if isinstance(exc, KhabarError):
            log.error("service not ready: %s: %s", type(exc).__name__, exc)
            return Outcome(refusal("not_ready", lang, kind=type(exc).__name__), refused="not_ready")
        log.error("answering failed for question %r", ticket.question[:200], exc_info=exc)
        return Outcome(refusal("error", lang), refused="error")


def parse_filters(source: str | None, since: str | None, until: str | None) -> tuple[Filters | None, tuple | None]:
    """Filters from slash-command options, or (None, (refusal key, values)) when a date is malformed."""
    dates: dict[str, str | None] = {}
    for name, value in (("since", since), ("until", until)):
        value = (value or "").strip()
        if not value:
            dates[name] = None
            continue
        try:
            dates[name] = date.fromisoformat(value).isoformat()
        except ValueError:
            return None, ("bad_date", {"field": name, "value": clean_question(value)[:40]})
    if dates["since"] and dates["until"] and dates["since"] > dates["until"]:
        return None, ("bad_range", {})
    filters = Filters(source=(source or "").strip() or None, since=dates["since"], until=dates["until"])
    return (None if filters.is_empty() else filters), None
