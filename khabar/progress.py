"""Terminal progress for long jobs (ingest, model build), on stderr so `--json` stdout stays clean."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class IngestProgress:
    """A live line with articles/s and chunks/s, fed by the ingest's progress callback."""

    def __init__(self, *, enabled: bool = True):
        self.enabled = enabled
        self._progress = None
        self._task = None

    def __enter__(self) -> "IngestProgress":
        if self.enabled:
            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                      console=Console(stderr=True), transient=False)
            self._progress.__enter__()
            self._task = self._progress.add_task("ingesting…", total=None)
        return self

    def update(self, info: dict) -> None:
        if not self._progress:
            return
        el = max(info.get("elapsed", 0.0), 1e-6)
        self._progress.update(
            self._task,
            description=(f"{info['seen']} articles read, {info['chunks']} chunks "
                         f"({info['seen'] / el:.1f} articles/s, {info['chunks'] / el:.1f} chunks/s), "
                         f"{info['failed']} skipped"),
        )

    def __exit__(self, *exc) -> None:
        if self._progress:
            self._progress.__exit__(*exc)


def stage_progress(label: str):
    """A `(stage, fraction)` callback, the model builders' protocol, printing each new stage once on stderr."""
    last = [""]

    def report(stage: str, fraction: float = 0.0, *_args) -> None:
        if stage == last[0]:
            return
        last[0] = stage
        sys.stderr.write(f"{label}: {stage} ({100.0 * float(fraction):.0f}%)\n")
        sys.stderr.flush()

    return report
