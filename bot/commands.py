"""Slash commands; each handler defers at once and runs the service off the event loop.

Discord offers no Arabic client locale (see discord.Locale), so localisations cannot carry Arabic: every
description is bilingual, English then Arabic, within Discord's 100-character limit.
"""

# No `from __future__ import annotations`: discord.py must evaluate the option annotations, and the
# question's Range bound is a local computed from the settings.
import asyncio
import logging
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.answering import Outcome, parse_filters
from bot.embeds import NO_MENTIONS
from bot.formatting import (
    clean_question,
    detect_language,
    escape,
    format_article,
    format_help,
    format_sources,
    format_stats,
    progress_text,
    refusal,
    reindex_summary,
)
from bot.texts import t
from retrieval.errors import ArticleNotFoundError, KhabarError

if TYPE_CHECKING:
    from bot.client import KhabarBot

log = logging.getLogger(__name__)

DESCRIPTIONS = {
    "ask": "Ask a question about the news, answered with cited quotes · اسأل عن الأخبار",
    "ask.question": "Your question, in Arabic or English · سؤالك بالعربية أو الإنجليزية",
    "source": "Only this outlet · من هذا المصدر فقط",
    "since": "From this date, YYYY-MM-DD · من هذا التاريخ",
    "until": "Up to this date, YYYY-MM-DD · حتى هذا التاريخ",
    "ask.public": "Show the answer to everyone in the channel · اعرض الإجابة للجميع",
    "search": "Find articles and passages · ابحث في المقالات",
    "search.query": "Words to search for · كلمات البحث",
    "article": "Show an article's details and an excerpt · اعرض تفاصيل مقالة",
    "article.id": "The article id (from /search or a citation) · معرّف المقالة",
    "sources": "List the indexed outlets · المصادر المفهرسة",
    "stats": "Index statistics · إحصاءات الفهرس",
    "help": "How to use Khabar · كيفية استخدام خبر",
    "reindex": "Admins: ingest new or changed articles · للمشرفين: إعادة الفهرسة",
}

PROGRESS_EVERY_S = 3.0
TOKEN_LIFETIME_S = 14 * 60  # Discord interaction tokens expire after 15 minutes


def register_commands(bot: "KhabarBot") -> None:
    """Add every slash command to `bot.tree` (done in the constructor so --dry-run sees them)."""
    tree = bot.tree
    max_q = max(1, min(bot.settings.khabar_max_question_chars, 6000))
    D = DESCRIPTIONS

    @tree.command(name="ask", description=D["ask"])
    @app_commands.describe(
        question=D["ask.question"], source=D["source"], since=D["since"], until=D["until"], public=D["ask.public"]
    )
    @app_commands.autocomplete(source=bot.source_autocomplete)
    async def ask(
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, max_q],
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        public: bool = False,
    ) -> None:
        lang = detect_language(question)
        filters, problem = parse_filters(source, since, until)
        if problem:
            return await bot.respond(interaction, refusal(problem[0], lang, **problem[1]).messages, ephemeral=True)
        admitted = bot.responder.admit(question, user_id=interaction.user.id, guild_id=interaction.guild_id)
        if isinstance(admitted, Outcome):
            return await bot.respond(interaction, admitted.formatted.messages, ephemeral=True)
        await _defer(bot, interaction, admitted, ephemeral=not public)
        outcome = await bot.responder.answer(admitted, filters=filters, echo=public)
        await bot.deliver(interaction, outcome, public=public)

    @tree.command(name="search", description=D["search"])
    @app_commands.describe(query=D["search.query"], source=D["source"], since=D["since"], until=D["until"])
    @app_commands.autocomplete(source=bot.source_autocomplete)
    async def search(
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, max_q],
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        lang = detect_language(query)
        filters, problem = parse_filters(source, since, until)
        if problem:
            return await bot.respond(interaction, refusal(problem[0], lang, **problem[1]).messages, ephemeral=True)
        admitted = bot.responder.admit(query, user_id=interaction.user.id, guild_id=interaction.guild_id)
        if isinstance(admitted, Outcome):
            return await bot.respond(interaction, admitted.formatted.messages, ephemeral=True)
        await _defer(bot, interaction, admitted, ephemeral=True)
        outcome = await bot.responder.search(admitted, filters=filters)
        await bot.respond(interaction, outcome.formatted.messages, ephemeral=True)

    @tree.command(name="article", description=D["article"])
    @app_commands.describe(id=D["article.id"])
    async def article(interaction: discord.Interaction, id: app_commands.Range[str, 1, 200]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        article_id = clean_question(id)
        try:
            found = await asyncio.to_thread(bot.service.article, article_id)
        except ArticleNotFoundError:
            formatted = refusal("article_missing", "both", id=article_id[:100].replace("`", "'"))
        else:
            formatted = format_article(found, detect_language(found.text[:500]))
        await bot.respond(interaction, formatted.messages, ephemeral=True)

    @tree.command(name="sources", description=D["sources"])
    async def sources(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await asyncio.to_thread(bot.service.sources)
        await bot.respond(interaction, format_sources(found, "en").messages, ephemeral=True)

    @tree.command(name="stats", description=D["stats"])
    async def stats(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await asyncio.to_thread(bot.service.stats)
        await bot.respond(interaction, format_stats(found, "en").messages, ephemeral=True)

    @tree.command(name="help", description=D["help"])
    async def help_(interaction: discord.Interaction) -> None:
        await bot.respond(interaction, format_help().messages, ephemeral=True)

    @tree.command(name="reindex", description=D["reindex"])
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def reindex(interaction: discord.Interaction) -> None:
        if not bot.is_admin(interaction):
            role = f" / {bot.settings.discord_admin_role}" if bot.settings.discord_admin_role else ""
            return await bot.respond(interaction, refusal("not_admin", "both", role=role).messages, ephemeral=True)
        if bot.reindex_lock.locked():
            return await bot.respond(interaction, refusal("reindex_busy", "both").messages, ephemeral=True)
        async with bot.reindex_lock:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await run_reindex(bot, interaction)


async def _defer(bot: "KhabarBot", interaction: discord.Interaction, ticket, *, ephemeral: bool) -> None:
    """Defer, or give the ticket's slot back when Discord refuses (an interaction that expired on the way)."""
    try:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    except BaseException:
        bot.responder.release(ticket)
        raise


async def run_reindex(bot: "KhabarBot", interaction: discord.Interaction) -> None:
    """Run the incremental ingest in a thread, editing one progress message every few seconds.

    Returns only when the ingest is over, so /reindex stays locked while it runs. An interaction token lives
    15 minutes: after that progress is only logged and the summary is posted in the channel instead.
    """
    latest: dict = {}
    progress = latest.update  # called from the worker thread; dict.update of a fresh dict is atomic enough here
    started = time.monotonic()

    async def show(content: str, *, final: bool = False) -> None:
        try:
            if time.monotonic() - started < TOKEN_LIFETIME_S:
                await interaction.edit_original_response(content=content, allowed_mentions=NO_MENTIONS)
            elif final and interaction.channel is not None:
                await interaction.channel.send(content, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:  # the ingest goes on whatever Discord says
            log.warning("could not show reindex progress (%s)", exc.status)

    # no paths: the service's own KHABAR_CORPUS_PATH, already split at os.pathsep as `khabar ingest` splits it
    task = asyncio.create_task(asyncio.to_thread(bot.service.reindex, None, progress))
    await show(t("reindex_start", "both"))
    shown: dict = {}
    while not task.done():
        await asyncio.wait({task}, timeout=PROGRESS_EVERY_S)
        if not task.done() and latest and latest != shown:
            shown = dict(latest)
            await show(progress_text(shown, "both"))
    try:
        summary = task.result()
    except KhabarError as exc:  # e.g. no corpus path configured: say so rather than "something went wrong"
        log.error("reindex failed: %s", exc)
        await show(t("reindex_failed", "both", reason=escape(str(exc))), final=True)
        return
    log.info("reindex finished in %.1f s: %s", time.monotonic() - started, {k: v for k, v in summary.items() if k != "errors"})
    await show(reindex_summary(summary, "both"), final=True)
