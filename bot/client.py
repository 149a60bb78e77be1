"""KhabarBot: adapts Discord (slash commands, mentions, DMs, threads, buttons) to an AnswerService."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Sequence

import discord
from discord import app_commands

from bot.answering import Outcome, Responder
from bot.commands import register_commands
from bot.embeds import NO_MENTIONS, send_kwargs
from bot.feedback import FeedbackLog
from bot.formatting import Formatted, OutgoingMessage, detect_language, thread_name, without_embeds
from bot.history import ConversationHistory
from bot.texts import t
from bot.views import AnswerView, ExpiredButtons
from retrieval.models import SMALL_TALK, Turn

log = logging.getLogger(__name__)

SOURCES_TTL_S = 300.0

# Khabar never joins voice; skip discord.py's start-up warnings about missing voice libraries.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False


def default_intents(*, message_content: bool = True) -> discord.Intents:
    """Guilds, guild and DM messages; message content only so follow-ups in the bot's threads need no mention.

    Discord delivers the text of DMs and of messages that mention the bot without the privileged Message
    Content intent; it is needed for plain replies inside a thread the bot started. No members or presences.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = message_content
    return intents


class KhabarTree(app_commands.CommandTree):
    """Routes every slash-command failure to the bot's single error handler and enforces allowed channels."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        bot: KhabarBot = self.client  # type: ignore[assignment]
        if bot.channel_allowed(interaction.channel):
            return True
        if interaction.type is not discord.InteractionType.autocomplete:  # an autocomplete cannot take a message
            await interaction.response.send_message(t("not_here", "both"), ephemeral=True, allowed_mentions=NO_MENTIONS)
        return False

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        bot: KhabarBot = self.client  # type: ignore[assignment]
        await bot.handle_interaction_error(interaction, error)


class KhabarBot(discord.Client):
    """The Discord front end; `service` is any object with the AnswerService methods."""

    def __init__(
        self,
        service,
        settings,
        *,
        sync_global: bool = False,
        intents: discord.Intents | None = None,
        feedback: FeedbackLog | None = None,
    ):
        super().__init__(intents=intents or default_intents(), allowed_mentions=NO_MENTIONS)
        self.service = service
        self.settings = settings
        self.sync_global = sync_global
        self.tree = KhabarTree(self)
        self.responder = Responder(
            service,
            max_question_chars=settings.khabar_max_question_chars,
            cooldown_s=settings.discord_user_cooldown_s,
            guild_concurrency=settings.discord_guild_concurrency,
        )
        self.history = ConversationHistory()
        self.feedback = feedback or FeedbackLog(settings.khabar_home / "feedback.jsonl")
        self.allowed_channels = settings.allowed_channel_ids
        self.reindex_lock = asyncio.Lock()
        self._sources: tuple[float, dict[str, int]] | None = None
        self.warm_up_task: asyncio.Task | None = None
        register_commands(self)

    # --- lifecycle -------------------------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        self.add_view(ExpiredButtons())  # catches clicks on buttons of answers no longer in memory
        # the first question after a start would otherwise wait up to 3 s for the model graphs and indexes; a
        # stop during it waits for the thread (asyncio.run's executor shutdown) rather than cut native code off
        self.warm_up_task = asyncio.create_task(asyncio.to_thread(self.service.warm_up), name="khabar-warm-up")
        guild_id = self.settings.discord_guild_id
        if guild_id:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), guild_id)
        if self.sync_global:
            synced = await self.tree.sync()
            log.info("synced %d commands globally (may take up to an hour to appear)", len(synced))

    async def on_ready(self) -> None:
        log.info("connected as %s (id %s) to %d guilds", self.user, self.user.id if self.user else "?", len(self.guilds))

    async def on_error(self, event_method: str, /, *args, **kwargs) -> None:
        log.exception("unhandled error in %s", event_method)

    # --- helpers used by commands and views --------------------------------------------------------------------

    def channel_allowed(self, channel) -> bool:
        """DMs always; guild channels (or a thread's parent) only if listed when a list is configured."""
        if not self.allowed_channels or channel is None or isinstance(channel, discord.DMChannel):
            return True
        ids = {getattr(channel, "id", None), getattr(channel, "parent_id", None)}
        return bool(ids & self.allowed_channels)

    def is_admin(self, interaction: discord.Interaction) -> bool:
        if interaction.guild is None:
            return False
        if interaction.permissions.manage_guild or interaction.permissions.administrator:
            return True
        role = self.settings.discord_admin_role.strip()
        roles = getattr(interaction.user, "roles", ())
        return bool(role) and any(r.name == role for r in roles)

    async def source_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Outlets matching what the user typed, from a cached `service.sources()`."""
        now = time.monotonic()
        if self._sources is None or now - self._sources[0] > SOURCES_TTL_S:
            self._sources = (now, dict(await asyncio.to_thread(self.service.sources)))
        needle = current.casefold().strip()
        ranked = sorted(self._sources[1].items(), key=lambda kv: (-kv[1], kv[0]))
        return [
            app_commands.Choice(name=f"{name} ({count})"[:100], value=name[:100])
            for name, count in ranked
            if name and needle in name.casefold()
        ][:25]

    async def respond(
        self, interaction: discord.Interaction, messages: Sequence[OutgoingMessage], *, ephemeral: bool, view=None
    ) -> None:
        """Send messages as the interaction's response or follow-ups; the view goes on the last one."""
        for i, message in enumerate(messages):
            kwargs = send_kwargs(message)
            if view is not None and i == len(messages) - 1:
                kwargs["view"] = view
            if interaction.response.is_done():
                await interaction.followup.send(ephemeral=ephemeral, **kwargs)
            else:
                await interaction.response.send_message(ephemeral=ephemeral, **kwargs)

    async def deliver(self, interaction: discord.Interaction, outcome: Outcome, *, public: bool) -> None:
        """Follow up a deferred /ask: the answer with buttons, or a refusal kept private."""
        if outcome.answer is None:
            if public:  # the deferred "thinking" message is public; replace it with a private note
                await interaction.delete_original_response()
            await self.respond(interaction, outcome.formatted.messages, ephemeral=True)
            return
        view = None if outcome.answer.mode == SMALL_TALK else AnswerView(outcome.answer, self.feedback,
                                                                         lang=outcome.language)
        await self.respond(interaction, outcome.formatted.messages, ephemeral=not public, view=view)

    async def handle_interaction_error(self, interaction: discord.Interaction, error: Exception) -> None:
        """The one place slash-command errors end: full error to the log, short message to the user."""
        original = getattr(error, "original", error)
        namespace = getattr(interaction, "namespace", None)
        text = getattr(namespace, "question", None) or getattr(namespace, "query", None)
        lang = detect_language(text) if isinstance(text, str) else "both"
        command = interaction.command.name if interaction.command else "?"
        log.error("/%s failed", command, exc_info=original)
        message = t("error", lang)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
            else:
                await interaction.response.send_message(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            log.warning("could not tell the user about the /%s failure", command)

    # --- chat: mentions, DMs and the bot's own threads ---------------------------------------------------------

    def _addressed(self, message: discord.Message) -> str:
        """Why the bot should answer this message: 'dm', 'thread', 'mention', or '' to ignore it."""
        if self.user is None or message.author.bot or message.author.id == self.user.id:
            return ""
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return ""  # thread renames, pins, joins: not something a user said
        # `mentioned_in` is also true for @everyone; only a direct mention of the bot (or of its own role, which
        # Discord's autocomplete often picks for "@Khabar") counts
        own_role = message.guild.self_role if message.guild is not None else None
        mentioned = any(u.id == self.user.id for u in message.mentions) or (
            own_role is not None and own_role in message.role_mentions)
        if not mentioned and not (message.content or "").strip():
            return ""  # an attachment or sticker alone, or no Message Content intent: nothing to answer
        channel = message.channel
        if isinstance(channel, discord.DMChannel):
            return "dm"
        if not self.channel_allowed(channel):
            return ""
        if isinstance(channel, discord.Thread) and channel.owner_id == self.user.id:
            return "thread"
        return "mention" if mentioned else ""

    def question_from(self, message: discord.Message) -> str:
        assert self.user is not None
        own_role = message.guild.self_role if message.guild is not None else None
        text = re.sub(rf"<@!?{self.user.id}>", " ", message.content or "")
        return re.sub(rf"<@&{own_role.id}>", " ", text) if own_role is not None else text

    async def on_message(self, message: discord.Message) -> None:
        reason = self._addressed(message)
        if not reason:
            return
        try:
            await self._answer_message(message, reason)
        except Exception:  # noqa: BLE001 - one handler: log it, tell the user briefly
            log.exception("answering a message failed")
            lang = detect_language(message.content or "")
            try:
                await message.channel.send(t("error", lang), allowed_mentions=NO_MENTIONS)
            except discord.HTTPException:
                log.warning("could not report the failure in channel %s", message.channel.id)

    async def _answer_message(self, message: discord.Message, reason: str) -> None:
        channel = message.channel
        key = channel.id
        history = self.history.turns(key) if reason in ("dm", "thread") else ()
        async with channel.typing():
            outcome = await self.responder.ask(
                self.question_from(message),
                user_id=message.author.id,
                guild_id=message.guild.id if message.guild else None,
                history=history,
            )
        if outcome.answer is None or outcome.answer.mode == SMALL_TALK:  # a refusal, or "hello": no thread, no buttons
            await self._send(message.channel, outcome.formatted, reply_to=message)
            return
        target, reply_to = channel, (message if reason != "thread" else None)
        if reason == "mention":
            thread = await self._start_thread(message, outcome.answer.question)
            if thread is not None:
                target, reply_to, key = thread, None, thread.id
        view = AnswerView(outcome.answer, self.feedback, lang=outcome.language)
        await self._send(target, outcome.formatted, reply_to=reply_to, view=view)
        if reason != "mention" or key != channel.id:
            self.history.add(key, Turn(question=outcome.answer.question, answer=outcome.answer.text))

    async def _start_thread(self, message: discord.Message, question: str) -> discord.Thread | None:
        """A public thread for the question when the channel and permissions allow it, else None (reply instead)."""
        channel = message.channel
        if not isinstance(channel, discord.TextChannel) or message.guild is None:
            return None
        perms = channel.permissions_for(message.guild.me)
        if not (perms.create_public_threads and perms.send_messages_in_threads):
            return None
        try:
            return await message.create_thread(name=thread_name(question), auto_archive_duration=1440)
        except discord.HTTPException as exc:
            log.warning("could not start a thread in channel %s (%s); replying instead", channel.id, exc.status)
            return None

    async def _send(self, target, formatted: Formatted, *, reply_to=None, view=None) -> None:
        messages = formatted.messages
        guild = getattr(target, "guild", None)
        if guild is not None and not target.permissions_for(guild.me).embed_links:
            messages = without_embeds(messages, formatted.language)
        for i, message in enumerate(messages):
            kwargs = send_kwargs(message)
            if view is not None and i == len(messages) - 1:
                kwargs["view"] = view
            if reply_to is not None and i == 0:
                kwargs["reference"] = reply_to.to_reference(fail_if_not_exists=False)
            await target.send(**kwargs)

