"""`python -m bot [--sync] [--dry-run] [--json]`: the same as `khabar discord`."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.runner import run_discord
from khabar.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Run the Khabar Discord bot.")
    parser.add_argument("--sync", action="store_true", help="sync slash commands globally (takes up to an hour)")
    parser.add_argument("--dry-run", action="store_true", help="build the command tree, print it, do not connect")
    parser.add_argument("--json", action="store_true", help="with --dry-run: print JSON")
    args = parser.parse_args(argv)
    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return run_discord(settings, sync=args.sync, dry_run=args.dry_run, json=args.json)


if __name__ == "__main__":
    sys.exit(main())
