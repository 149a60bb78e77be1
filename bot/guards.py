"""Abuse and load limits: a per-user cooldown and a per-guild concurrency gate (pure, clock injected)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable


class Cooldown:
    """At most one accepted question per user every `seconds`; memory stays bounded by pruning."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic, max_users: int = 10_000):
        self.seconds = max(0.0, seconds)
        self._clock = clock
        self._last: dict[Hashable, float] = {}
        self._max_users = max_users

    def remaining(self, user: Hashable) -> float:
        """Seconds the user must still wait (0 when they may ask)."""
        last = self._last.get(user)
        if last is None:
            return 0.0
        return max(0.0, self.seconds - (self._clock() - last))

    def mark(self, user: Hashable) -> None:
        if self.seconds <= 0:
            return
        now = self._clock()
        if len(self._last) >= self._max_users:
            self._last = {u: ts for u, ts in self._last.items() if now - ts < self.seconds}
            while len(self._last) >= self._max_users:  # all still cooling: forget the oldest
                self._last.pop(next(iter(self._last)))
        self._last.pop(user, None)
        self._last[user] = now

    def __len__(self) -> int:
        return len(self._last)


class ConcurrencyGate:
    """At most `limit` questions in flight per guild (DMs share one bucket); never blocks, says no instead."""

    def __init__(self, limit: int):
        self.limit = max(1, limit)
        self._active: dict[Hashable, int] = {}

    def try_enter(self, key: Hashable) -> bool:
        n = self._active.get(key, 0)
        if n >= self.limit:
            return False
        self._active[key] = n + 1
        return True

    def leave(self, key: Hashable) -> None:
        n = self._active.get(key, 0) - 1
        if n > 0:
            self._active[key] = n
        else:
            self._active.pop(key, None)

    def active(self, key: Hashable) -> int:
        return self._active.get(key, 0)
