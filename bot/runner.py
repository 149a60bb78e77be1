"""`khabar discord`: build the bot from settings and run it, or describe its commands with --dry-run."""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import re
import sys
from typing import TextIO

import discord

from bot.client import KhabarBot, default_intents

log = logging.getLogger(__name__)

# View Channels, Send Messages, Send Messages in Threads, Create Public Threads, Embed Links, Read Message History
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    embed_links=True,
    read_message_history=True,
)
INVITE_SCOPES = ("bot", "applications.commands")
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_.\-]{20,200}$")

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def invite_url(application_id: int) -> str:
    """The OAuth2 URL that adds the bot with the minimum permissions it needs."""
    scopes = "+".join(INVITE_SCOPES)
    return (
        f"https://discord.com/oauth2/authorize?client_id={application_id}"
        f"&scope={scopes}&permissions={INVITE_PERMISSIONS.value}"
    )


class _NoService:
    """Stands in for the AnswerService when only the command tree is built (--dry-run)."""

    def __getattr__(self, name: str):
        raise RuntimeError("no AnswerService in --dry-run mode")


def describe_commands(bot: KhabarBot) -> dict:
    """The registered slash commands and their options, as `--dry-run --json` prints them."""
    commands = []
    for command in sorted(bot.tree.get_commands(), key=lambda c: c.name):
        options = [
            {"name": p.name, "type": p.type.name, "required": p.required}
            for p in getattr(command, "parameters", [])
        ]
        commands.append({"name": command.name, "description": command.description, "options": options})
    return {"commands": commands}


def run_discord(
    settings,
    sync: bool = False,
    dry_run: bool = False,
    json: bool = False,
    *,
    service=None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run the bot until stopped; returns the process exit code (2 = configuration problem such as the token)."""
    out = out or sys.stdout
    err = err or sys.stderr
    if dry_run:
        bot = KhabarBot(service or _NoService(), settings)
        spec = describe_commands(bot)
        if json:
            out.write(jsonlib.dumps(spec, ensure_ascii=False, indent=2) + "\n")
        else:
            for c in spec["commands"]:
                opts = " ".join(f"{o['name']}:{o['type']}" + ("" if o["required"] else "?") for o in c["options"])
                out.write(f"/{c['name']} {opts}".rstrip() + f"  — {c['description']}\n")
        return EXIT_OK

    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        err.write("error: DISCORD_TOKEN is not set; put the bot token from the Developer Portal in .env\n")
        return EXIT_CONFIG
    install_redaction(token)
    if not _TOKEN_SHAPE.match(token):
        err.write("error: DISCORD_TOKEN is malformed (it should be the bot token from Developer Portal → Bot)\n")
        return EXIT_CONFIG
    if service is None:
        from khabar.app import build_service  # the composition root; heavy, so only when really starting
        from retrieval.errors import KhabarError

        try:
            service = build_service(settings)
        except KhabarError as exc:
            err.write(f"error: cannot start the answer service: {exc}\n")
            return EXIT_FAILED
    try:
        return asyncio.run(_serve(service, settings, token, sync, err))
    except KeyboardInterrupt:
        log.info("stopped")
        return EXIT_OK


async def _serve(service, settings, token: str, sync: bool, err: TextIO) -> int:
    for message_content in (True, False):
        bot = KhabarBot(service, settings, sync_global=sync, intents=default_intents(message_content=message_content))
        try:
            async with bot:
                await bot.start(token)
            return EXIT_OK
        except discord.LoginFailure:
            err.write(
                "error: Discord rejected DISCORD_TOKEN (invalid or reset); copy a new token from "
                "Developer Portal → your application → Bot → Reset Token\n"
            )
            return EXIT_CONFIG
        except discord.PrivilegedIntentsRequired:
            if not message_content:
                break
            log.warning(
                "the Message Content intent is not enabled for this application; continuing without it: "
                "mentions and DMs still work, but follow-ups in threads must mention the bot "
                "(enable it in Developer Portal → Bot → Privileged Gateway Intents)"
            )
        except (OSError, discord.GatewayNotFound, discord.DiscordServerError) as exc:
            err.write(f"error: cannot reach Discord ({type(exc).__name__}); check the network and try again\n")
            return EXIT_FAILED
    err.write("error: Discord refused the requested intents; check Developer Portal → Bot\n")
    return EXIT_CONFIG


_redacted: set[str] = set()


def install_redaction(secret: str) -> None:
    """Replace `secret` in every log record from now on, messages and tracebacks alike (defence in depth)."""
    if not secret or secret in _redacted:
        return
    _redacted.add(secret)
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not break logging
            return record
        if secret in message:
            record.msg, record.args = message.replace(secret, "[REDACTED]"), ()
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if secret in text:
                record.exc_text = text.replace(secret, "[REDACTED]")
        return record

    logging.setLogRecordFactory(factory)
