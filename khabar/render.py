"""Rich terminal rendering of answers, hits and summaries for the CLI and the REPL."""

from __future__ import annotations

import re
from collections.abc import Callable

from rich.cells import cell_len
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from retrieval.models import Answer, Citation, Hit

Shape = Callable[[str], str]

_console = Console()
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_LTR = re.compile(r"[A-Za-z\u00c0-\u024f]")


def is_rtl(text: str) -> bool:
    """True when right-to-left letters outnumber Latin ones (the paragraph's base direction)."""
    return len(_RTL.findall(text)) > len(_LTR.findall(text))


def wrap_cells(text: str, width: int) -> list[str]:
    """Greedy word wrap by terminal cells, in logical order, so each line can be reordered on its own."""
    width = max(8, width)
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split(" "):
            cand = f"{line} {word}" if line else word
            if cell_len(cand) <= width or not line:
                line = cand
            else:
                lines.append(line)
                line = word
            while cell_len(line) > width:  # a single word longer than the line
                lines.append(line[:width])
                line = line[width:]
        lines.append(line)
    return lines


def print_block(c: Console, text: str, *, shape: Shape | None = None, indent: int = 0, style: str = "") -> None:
    """Print a paragraph; with `shape` (visual bidi reordering) wrap first, then reorder each line."""
    pad = " " * indent
    if shape is None:  # logical order; rich wraps and the terminal does the bidi
        body = Text(text, style=style)
        c.print(Padding(body, (0, 0, 0, indent), expand=False) if indent else body)
        return
    width = max(20, c.width - indent)
    rtl = is_rtl(text)
    for line in wrap_cells(text, width):
        shown = shape(line)
        if rtl:  # right-align, as an RTL paragraph is laid out
            shown = " " * max(0, width - cell_len(shown)) + shown
        c.print(Text(pad + shown, style=style), soft_wrap=True)


def _meta(*parts: str) -> str:
    return " · ".join(x for x in parts if x)


def _labels(language: str) -> dict[str, str]:
    if language == "ar":
        return {"sources": "المصادر", "related": "مقاطع ذات صلة (ليست استشهادات)", "also": "ورد أيضاً في"}
    return {"sources": "Sources", "related": "Related passages (not citations)", "also": "also in"}


def print_citation(c: Console, cit: Citation, *, language: str, shape: Shape | None = None) -> None:
    head = f"[{cit.n}] {cit.title or cit.article_id}"
    print_block(c, head, shape=shape, style="bold cyan")
    print_block(c, _meta(cit.source, cit.agency, cit.city, cit.date), shape=shape, indent=4, style="dim")
    print_block(c, f"«{cit.shown}»", shape=shape, indent=4)
    where = cit.url or f"{cit.path} [{cit.start}:{cit.end}]"
    c.print(Text(f"    {cit.article_id} · {where}", style="dim"), soft_wrap=True)
    if cit.also_in:
        c.print(Text(f"    {_labels(language)['also']}: {', '.join(cit.also_in)}", style="dim"), soft_wrap=True)


def print_answer(answer: Answer, console: Console | None = None, shape: Shape | None = None) -> None:
    """The answer text, then its numbered citations (or, when it abstained, the related passages)."""
    c = console or _console
    print_block(c, answer.text, shape=shape, style="yellow" if answer.abstained else "")
    items = answer.related if answer.abstained else answer.citations
    if items:
        labels = _labels(answer.language)
        c.print()
        print_block(c, labels["related" if answer.abstained else "sources"], shape=shape, style="bold")
    for cit in items:
        print_citation(c, cit, language=answer.language, shape=shape)
    for w in answer.warnings:
        print_block(c, f"! {w}", shape=shape, style="dim yellow")


def print_hits(hits: list[Hit], console: Console | None = None, shape: Shape | None = None) -> None:
    c = console or _console
    if not hits:
        c.print("no matching articles")
    for i, h in enumerate(hits, 1):
        print_block(c, f"{i}. {h.title or h.article_id}", shape=shape, style="bold")
        print_block(c, _meta(h.source, h.agency, h.city, h.date), shape=shape, indent=3, style="dim")
        c.print(Text(f"   {h.article_id} · score {h.score:.3f}", style="dim"), soft_wrap=True)
        if h.also_in:
            c.print(Text(f"   also in: {', '.join(h.also_in)}", style="dim"), soft_wrap=True)
        for p in h.passages[:1]:
            text = p.text if len(p.text) <= 300 else p.text[:300] + "…"
            print_block(c, text, shape=shape, indent=3)


def print_sources(sources: dict[str, int], console: Console | None = None) -> None:
    c = console or _console
    if not sources:
        c.print("no named sources in the index")
        return
    t = Table("source", "articles")
    for s, n in sorted(sources.items(), key=lambda kv: (-kv[1], kv[0])):
        t.add_row(s, str(n))
    c.print(t)


def print_stats(stats: dict, console: Console | None = None) -> None:
    c = console or _console
    c.print(f"articles: {stats['articles']}   chunks: {stats['chunks']}   "
            f"dates: {stats.get('date_min') or '-'} … {stats.get('date_max') or '-'}", markup=False)
    c.print(f"embedding model: {stats.get('embedding_model')}", markup=False)
    if stats.get("sources"):
        print_sources(stats["sources"], c)


def print_ingest_summary(summary: dict, console: Console | None = None) -> None:
    c = console or _console
    # soft_wrap: one line per fact, whatever the width (a pipe is 80 columns to rich), so grep finds a path whole
    startup = summary.get("startup_seconds")
    took = f"{summary['seconds']:.1f}s" + (f" (+{startup:.1f}s loading the model)" if startup else "")
    c.print(f"ingested in {took}: {summary['added']} added, {summary['updated']} updated, "
            f"{summary['unchanged']} unchanged, {summary['removed']} removed, {summary['failed']} skipped; "
            f"{summary['chunks_added']} chunks embedded, {summary.get('chunks_reused', 0)} reused", markup=False,
            soft_wrap=True)
    for err in summary["errors"][:20]:
        c.print(Text.assemble("  ", ("skipped", "yellow"), f" {err['path']}: {err['reason']}"), soft_wrap=True)
    if len(summary["errors"]) > 20:
        c.print(f"  … and {len(summary['errors']) - 20} more (use --json for all)", markup=False)
    idx = summary.get("index")
    if idx:
        c.print(f"index: {idx['articles']} articles, {idx['chunks']} chunks", markup=False)


def print_eval(result: dict, console: Console | None = None) -> None:
    c = console or _console
    c.print(f"{result['questions']} questions over {result['contexts']} paragraphs + "
            f"{result['distractor_articles']} distractor articles", markup=False)
    t = Table("mode", "R@1", "R@5", "MRR@10", "strict R@1", "answer@1", "p50 ms", "p95 ms")
    for mode, m in result["modes"].items():
        t.add_row(mode, f"{m['recall@1']:.3f}", f"{m['recall@5']:.3f}", f"{m['mrr@10']:.3f}",
                  f"{m['recall@1_strict']:.3f}", f"{m['answer@1']:.3f}", f"{m['p50_ms']:.1f}", f"{m['p95_ms']:.1f}")
    c.print(t)
    split = {mode: m["by_gold_file"] for mode, m in result["modes"].items() if "by_gold_file" in m}
    if split:
        first = next(iter(split.values()))
        c.print(f"by the gold paragraph's file: contexts ({first['contexts']['questions']} questions), "
                f"mixed-in ({first['mix']['questions']} questions)", markup=False)
        t = Table("mode", "contexts R@1", "contexts R@5", "mixed-in R@1", "mixed-in R@5")
        for mode, parts in split.items():
            t.add_row(mode, *(f"{parts[f][m]:.3f}" for f in ("contexts", "mix") for m in ("recall@1", "recall@5")))
        c.print(t)
