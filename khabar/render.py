"""Rich terminal rendering of answers, hits and summaries for the CLI and the REPL."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from retrieval.models import Answer, Hit

_console = Console()


def _meta(source: str, agency: str, city: str, date: str) -> str:
    return " · ".join(x for x in (source, agency, city, date) if x)


def print_answer(answer: Answer, console: Console | None = None, shape=lambda s: s) -> None:
    c = console or _console
    c.print(shape(escape(answer.text)))
    items = answer.related if answer.abstained else answer.citations
    if items:
        label = ("مقاطع ذات صلة" if answer.language == "ar" else "Related passages") if answer.abstained else (
            "المصادر" if answer.language == "ar" else "Sources")
        c.print(f"\n[bold]{label}[/bold]")
    for cit in items:
        head = f"[{cit.n}] {cit.title or cit.article_id}"
        c.print(f"[bold cyan]{shape(escape(head))}[/bold cyan]  [dim]{shape(escape(_meta(cit.source, cit.agency, cit.city, cit.date)))}[/dim]")
        c.print(f"    “{shape(escape(cit.quote))}”")
        where = cit.url or f"{cit.path} [{cit.start}:{cit.end}]"
        c.print(f"    [dim]{escape(where)}[/dim]")


def print_hits(hits: list[Hit], console: Console | None = None, shape=lambda s: s) -> None:
    c = console or _console
    if not hits:
        c.print("no matching articles")
    for i, h in enumerate(hits, 1):
        c.print(f"[bold]{i}. {shape(escape(h.title or h.article_id))}[/bold]  [dim]{escape(h.article_id)} · "
                f"{shape(escape(_meta(h.source, h.agency, h.city, h.date)))} · score {h.score:.3f}[/dim]")
        if h.also_in:
            c.print(f"   [dim]also in: {escape(', '.join(h.also_in))}[/dim]")
        for p in h.passages[:1]:
            text = p.text if len(p.text) <= 300 else p.text[:300] + "…"
            c.print(f"   {shape(escape(text))}")


def print_stats(stats: dict, console: Console | None = None) -> None:
    c = console or _console
    c.print(f"articles: {stats['articles']}   chunks: {stats['chunks']}   "
            f"dates: {stats.get('date_min') or '-'} … {stats.get('date_max') or '-'}")
    c.print(f"embedding model: {stats.get('embedding_model')}")
    if stats.get("sources"):
        t = Table("source", "articles")
        for s, n in stats["sources"].items():
            t.add_row(s, str(n))
        c.print(t)


def print_ingest_summary(summary: dict, console: Console | None = None) -> None:
    c = console or _console
    c.print(f"ingested in {summary['seconds']:.1f}s: {summary['added']} added, {summary['updated']} updated, "
            f"{summary['unchanged']} unchanged, {summary['removed']} removed, {summary['failed']} skipped; "
            f"{summary['chunks_added']} chunks embedded, {summary['chunks_reused']} reused")
    for err in summary["errors"][:20]:
        c.print(f"  [yellow]skipped[/yellow] {escape(err['path'])}: {escape(err['reason'])}")
    if len(summary["errors"]) > 20:
        c.print(f"  … and {len(summary['errors']) - 20} more (use --json for all)")
    idx = summary.get("index")
    if idx:
        c.print(f"index: {idx['articles']} articles, {idx['chunks']} chunks")


def print_eval(result: dict, console: Console | None = None) -> None:
    c = console or _console
    c.print(f"{result['questions']} questions over {result['contexts']} paragraphs + "
            f"{result['distractor_articles']} distractor articles")
    t = Table("mode", "R@1", "R@5", "MRR@10", "p50 ms", "p95 ms")
    for mode, m in result["modes"].items():
        t.add_row(mode, f"{m['recall@1']:.3f}", f"{m['recall@5']:.3f}", f"{m['mrr@10']:.3f}",
                  f"{m['p50_ms']:.1f}", f"{m['p95_ms']:.1f}")
    c.print(t)
