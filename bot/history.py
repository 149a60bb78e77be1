"""Bounded in-memory conversation memory for follow-up questions in threads and DMs."""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Hashable

from retrieval.models import Turn


class ConversationHistory:
    """The last `max_turns` turns of at most `max_conversations` conversations (least recently used evicted)."""

    def __init__(self, *, max_conversations: int = 1000, max_turns: int = 6, max_chars: int = 2000):
        self.max_conversations = max_conversations
        self.max_turns = max_turns
        self.max_chars = max_chars
        self._turns: OrderedDict[Hashable, deque[Turn]] = OrderedDict()

    def turns(self, key: Hashable) -> tuple[Turn, ...]:
        turns = self._turns.get(key)
        if turns is None:
            return ()
        self._turns.move_to_end(key)
        return tuple(turns)

    def add(self, key: Hashable, turn: Turn) -> None:
        turn = Turn(
            question=turn.question[: self.max_chars],
            answer=turn.answer[: self.max_chars],
            resolved_query=turn.resolved_query[: self.max_chars],
        )
        turns = self._turns.get(key)
        if turns is None:
            turns = self._turns[key] = deque(maxlen=self.max_turns)
        turns.append(turn)
        self._turns.move_to_end(key)
        while len(self._turns) > self.max_conversations:
            self._turns.popitem(last=False)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._turns

    def __len__(self) -> int:
        return len(self._turns)
