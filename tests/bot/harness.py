"""Drive KhabarBot through discord.py's own machinery with Discord's network faked.

Channel traffic goes through dpytest's FakeHttp (wrapped to record every payload); interactions are built
from gateway payload dicts and fed to `ConnectionState.parse_interaction_create`, and their webhook calls
(defer, follow-ups, edits) are answered by a recording stand-in for discord.py's webhook adapter.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
from dataclasses import dataclass
from datetime import datetime, timezone

import discord
import discord.ext.test as dpytest
from discord.ext.test import backend
from discord.ext.test import factories as facts
from discord.webhook.async_ import AsyncWebhookAdapter

from bot.client import KhabarBot, default_intents

APP_ID = 987654321098765432
_ids = itertools.count(1_300_000_000_000_000_000)


@dataclass
class Sent:
    """One request the bot made: where, how, and the JSON body Discord would have received."""

    via: str  # "channel" | "interaction"
    method: str
    path: str
    body: dict
    message_id: int | None = None


class DiscordHarness:
    def __init__(self, bot: KhabarBot):
        self.bot = bot
        self.sent: list[Sent] = []
        self._original_request = None

    @classmethod
    async def create(cls, service, settings) -> "DiscordHarness":
        intents = default_intents()
        # dpytest builds mention lists and members from the member cache, which needs this intent; the real
        # gateway sends mentioned users inside the message, so the bot itself never asks for it.
        intents.members = True
        bot = KhabarBot(service, settings, intents=intents)
        harness = cls(bot)
        await bot._async_setup_hook()  # binds the running loop, as login() would
        dpytest.configure(bot, guilds=1, text_channels=1, voice_channels=0, members=2)
        bot._connection._command_tree = bot.tree  # dpytest replaces the state the tree registered with
        bot._connection.application_id = APP_ID
        bot._connection.loop = bot.loop  # dpytest 0.7 predates discord.py 2.7 binding the state's loop late
        await bot.setup_hook()  # no guild or global sync configured here: registers the persistent views only
        harness._wrap_channel_http()
        harness._fake_webhooks()
        return harness

    async def close(self) -> None:
        AsyncWebhookAdapter.request = self._original_request
        await dpytest.empty_queue()

    # --- config shortcuts -------------------------------------------------------------------------------------

    @property
    def config(self):
        return dpytest.get_config()

    @property
    def guild(self) -> discord.Guild:
        return self.config.guilds[0]

    @property
    def channel(self) -> discord.TextChannel:
        return self.config.channels[0]

    def member(self, i: int = 0) -> discord.Member:
        return self.config.members[i]

    def allow_threads(self) -> None:
        """Give @everyone (and so the bot) the thread permissions a real invite grants."""
        role = self.guild.default_role
        perms = role.permissions
        perms.update(create_public_threads=True, send_messages_in_threads=True)
        backend.update_role(role, permissions=perms.value)

    # --- channel traffic --------------------------------------------------------------------------------------

    def _wrap_channel_http(self) -> None:
        http = self.bot.http
        original = http.send_message

        async def send_message(channel_id, *, params):
            # dpytest's FakeHttp reads `channel` from its caller's frame, so this wrapper must hold one too
            channel = sys._getframe(1).f_locals.get("channel")  # noqa: F841
            data = await original(channel_id, params=params)
            body = dict(params.payload or {})
            self.sent.append(Sent("channel", "POST", f"/channels/{channel_id}/messages", body, int(data["id"])))
            return data

        async def start_thread_with_message(channel_id, message_id, *, name, auto_archive_duration, rate_limit_per_user=None, reason=None):
            thread_id = next(_ids)
            payload = {
                "id": str(thread_id), "type": 11, "guild_id": str(self.guild.id), "parent_id": str(channel_id),
                "owner_id": str(self.bot.user.id), "name": name, "last_message_id": None, "message_count": 0,
                "member_count": 1, "rate_limit_per_user": 0,
                "thread_metadata": {
                    "archived": False, "auto_archive_duration": auto_archive_duration, "locked": False,
                    "archive_timestamp": datetime.now(timezone.utc).isoformat(),
                },
            }
            thread = discord.Thread(guild=self.guild, state=self.bot._connection, data=payload)
            self.guild._add_thread(thread)
            self.sent.append(Sent("channel", "POST", f"/channels/{channel_id}/messages/{message_id}/threads", {"name": name}))
            return payload

        http.send_message = send_message
        http.start_thread_with_message = start_thread_with_message

    async def say(self, content: str, *, channel=None, member: int | discord.Member = 0) -> discord.Message:
        """A user posts a message (dpytest dispatches on_message and waits for the handlers)."""
        return await dpytest.message(content, channel=channel or self.channel, member=member)

    async def dm(self, content: str, *, member: int = 0) -> discord.Message:
        user = self.member(member)._user
        dm_channel = await user.create_dm()
        message = backend.make_message(content, user, dm_channel)
        await dpytest.run_all_events()
        return message

    def mention(self) -> str:
        return f"<@{self.bot.user.id}>"

    # --- interactions -----------------------------------------------------------------------------------------

    def _fake_webhooks(self) -> None:
        harness = self
        self._original_request = AsyncWebhookAdapter.request

        async def request(adapter, route, session=None, *, payload=None, multipart=None, files=None, **_):
            body = payload
            if body is None and multipart:
                body = json.loads(next(p["value"] for p in multipart if p.get("name") == "payload_json"))
            body = body or {}
            message_id = None
            result = None
            if route.path.endswith("/callback"):
                inner = body.get("data") or {}
                result = {
                    "interaction": {
                        "id": str(route.webhook_id), "type": 2,
                        "response_message_loading": body.get("type") == 5,
                        "response_message_ephemeral": bool(inner.get("flags", 0) & 64),
                    },
                    "resource": {"type": body.get("type")},
                }
            elif route.method in ("POST", "PATCH"):
                result = harness._message_payload(body, route)
                message_id = int(result["id"])
            harness.sent.append(Sent("interaction", route.method, route.path, body, message_id))
            return result

        AsyncWebhookAdapter.request = request

    def _message_payload(self, body: dict, route) -> dict:
        user = self.bot.user
        return {
            "id": str(next(_ids)), "channel_id": str(self.channel.id), "type": 0, "tts": False,
            "content": body.get("content") or "", "embeds": body.get("embeds") or [], "attachments": [],
            "components": body.get("components") or [], "flags": body.get("flags", 0),
            "author": {"id": str(user.id), "username": user.name, "discriminator": "0001", "avatar": None, "bot": True},
            "mentions": [], "mention_roles": [], "mention_everyone": False, "pinned": False,
            "timestamp": datetime.now(timezone.utc).isoformat(), "edited_timestamp": None,
            "webhook_id": str(APP_ID),
        }

    def _member_payload(self, member: discord.Member, permissions: discord.Permissions) -> dict:
        return {
            "user": facts.dict_from_user(member._user),
            "roles": [str(r.id) for r in member.roles if not r.is_default()],
            "joined_at": datetime.now(timezone.utc).isoformat(), "deaf": False, "mute": False, "flags": 0,
            "permissions": str(permissions.value),
        }

    def _interaction_payload(self, kind: int, data: dict, *, member: int, permissions, locale: str, message=None) -> dict:
        m = self.member(member)
        payload = {
            "id": str(next(_ids)), "application_id": str(APP_ID), "type": kind, "token": "interaction-token",
            "version": 1, "guild_id": str(self.guild.id), "guild_locale": "en-US", "locale": locale,
            "channel_id": str(self.channel.id),
            "channel": {"id": str(self.channel.id), "type": 0, "guild_id": str(self.guild.id), "name": self.channel.name},
            "member": self._member_payload(m, permissions or discord.Permissions.none()),
            "app_permissions": str(discord.Permissions(309237730304).value), "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild.id)}, "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024, "data": data,
        }
        if message is not None:
            payload["message"] = message
        return payload

    async def _dispatch(self, payload: dict) -> None:
        before = asyncio.all_tasks()
        self.bot._connection.parse_interaction_create(payload)
        await self._settle(before)

    async def _settle(self, before) -> None:
        """Wait for the tasks the interaction started (command invokers, button callbacks), not view timeouts."""
        for _ in range(1000):
            pending = [
                t for t in asyncio.all_tasks() - before
                if t is not asyncio.current_task() and not t.done()
                and "timeout" not in t.get_name() and "timeout" not in t.get_coro().__qualname__
            ]
            if not pending:
                return
            await asyncio.wait(pending, timeout=10)

    async def slash(self, name: str, *, member: int = 0, permissions=None, locale: str = "en-US", **options) -> list[Sent]:
        """Invoke /name with options the way Discord's gateway would deliver it; returns what the bot sent."""
        types = {str: 3, bool: 5, int: 4}
        data = {
            "id": str(next(_ids)), "name": name, "type": 1,
            "options": [{"name": k, "type": types[type(v)], "value": v} for k, v in options.items()],
        }
        start = len(self.sent)
        await self._dispatch(self._interaction_payload(2, data, member=member, permissions=permissions, locale=locale))
        return self.sent[start:]

    async def autocomplete(self, name: str, focused: str, value: str, **options) -> list[Sent]:
        opts = [{"name": k, "type": 3, "value": v} for k, v in options.items()]
        opts.append({"name": focused, "type": 3, "value": value, "focused": True})
        data = {"id": str(next(_ids)), "name": name, "type": 1, "options": opts}
        start = len(self.sent)
        await self._dispatch(self._interaction_payload(4, data, member=0, permissions=None, locale="en-US"))
        return self.sent[start:]

    async def click(self, sent: Sent, index: int, *, member: int = 0) -> list[Sent]:
        """Click the index-th button of a message the bot sent."""
        buttons = [c for row in sent.body.get("components", []) for c in row.get("components", [])]
        button = buttons[index]
        message = self._message_payload(sent.body, None)
        message["id"] = str(sent.message_id)
        data = {"custom_id": button["custom_id"], "component_type": 2}
        start = len(self.sent)
        await self._dispatch(self._interaction_payload(3, data, member=member, permissions=None, locale="en-US", message=message))
        return self.sent[start:]


def buttons_of(sent: Sent) -> list[dict]:
    return [c for row in sent.body.get("components", []) for c in row.get("components", [])]
