"""Buttons under an answer: more passages, and 👍/👎 feedback written to the feedback log.

An answer's view lives in memory for an hour; its buttons carry fixed custom ids, so a click after that (or
after a restart) reaches `ExpiredButtons`, which says so instead of leaving Discord's "interaction failed".
"""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.embeds import NO_MENTIONS, send_kwargs
from bot.feedback import FeedbackLog
from bot.formatting import detect_language, directional, has_more_passages, more_passages
from bot.texts import t
from retrieval.models import Answer

log = logging.getLogger(__name__)

MORE_ID, UP_ID, DOWN_ID = "khabar:more", "khabar:up", "khabar:down"


class AnswerView(discord.ui.View):
    """Holds the answer in memory for an hour so its buttons can act on it."""

    def __init__(self, answer: Answer, feedback: FeedbackLog, *, lang: str, timeout: float = 3600):
        super().__init__(timeout=timeout)
        self.answer = answer
        self.feedback = feedback
        self.lang = lang
        self.votes: dict[int, str] = {}  # user id -> the verdict last recorded for this answer
        if has_more_passages(answer):
            more = discord.ui.Button(label=t("button_more", lang), style=discord.ButtonStyle.secondary, emoji="📄",
                                     custom_id=MORE_ID)
            more.callback = self.show_more
            self.add_item(more)
        for emoji, verdict, custom_id in (("👍", "up", UP_ID), ("👎", "down", DOWN_ID)):
            button = discord.ui.Button(emoji=emoji, style=discord.ButtonStyle.secondary, custom_id=custom_id)
            button.callback = self._vote(verdict)
            self.add_item(button)

    async def show_more(self, interaction: discord.Interaction) -> None:
        messages = more_passages(self.answer, lang=self.lang).messages
        await interaction.response.send_message(ephemeral=True, **send_kwargs(messages[0]))
        for message in messages[1:]:
            await interaction.followup.send(ephemeral=True, **send_kwargs(message))

    def _vote(self, verdict: str):
        async def callback(interaction: discord.Interaction) -> None:
            user = interaction.user.id
            if self.votes.get(user) == verdict:  # one line per user and verdict; a changed mind is a new line
                key = "voted_already"
            else:
                self.votes[user] = verdict
                where = "dm" if interaction.guild_id is None else "guild"
                await asyncio.to_thread(self.feedback.record, self.answer, verdict, user, where=where)
                log.info("feedback %s recorded", verdict)
                key = "thanks"
            await interaction.response.send_message(
                directional(t(key, self.lang), self.lang), ephemeral=True, allowed_mentions=NO_MENTIONS
            )

        return callback

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        log.error("button %r failed", getattr(item, "label", item), exc_info=error)
        message = directional(t("error", self.lang), self.lang)
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(message, ephemeral=True, allowed_mentions=NO_MENTIONS)


class ExpiredButtons(discord.ui.View):
    """Answers clicks on buttons whose answer is no longer held (older than an hour, or from before a restart)."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        for custom_id in (MORE_ID, UP_ID, DOWN_ID):
            button = discord.ui.Button(custom_id=custom_id, label=custom_id)
            button.callback = self.expired
            self.add_item(button)

    async def expired(self, interaction: discord.Interaction) -> None:
        lang = _language_of(interaction)
        await interaction.response.send_message(
            directional(t("buttons_expired", lang), lang), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


def _language_of(interaction: discord.Interaction) -> str:
    """The language of the answer the buttons sit under, else of the user's Discord client."""
    message = interaction.message
    text = ""
    if message is not None:
        text = message.content or " ".join(e.description or e.title or "" for e in message.embeds)
    if text.strip():
        return detect_language(text)
    return "ar" if str(interaction.locale).startswith("ar") else "en"
