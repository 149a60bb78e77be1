"""Startup: --dry-run lists the command tree; token problems are one clear line, exit 2, never the token."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys

import discord

from bot.runner import INVITE_PERMISSIONS, install_redaction, invite_url, run_discord

EXPECTED = {
    "ask": [("question", "string", True), ("source", "string", False), ("since", "string", False),
            ("until", "string", False), ("public", "boolean", False)],
    "search": [("query", "string", True), ("source", "string", False), ("since", "string", False),
               ("until", "string", False)],
    "article": [("id", "string", True)],
    "sources": [], "stats": [], "help": [], "reindex": [],
}
FAKE_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.fake-token-value_for-tests_only123"


def test_dry_run_json_lists_commands_and_options(bot_settings):
    out = io.StringIO()
    assert run_discord(bot_settings(), sync=False, dry_run=True, json=True, out=out) == 0
    spec = json.loads(out.getvalue())
    got = {c["name"]: [(o["name"], o["type"], o["required"]) for o in c["options"]] for c in spec["commands"]}
    assert got == EXPECTED
    for c in spec["commands"]:
        assert 1 <= len(c["description"]) <= 100 and "·" in c["description"]  # English · Arabic


def test_dry_run_via_python_m_bot_needs_no_token(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "KHABAR_HOME": str(tmp_path), "DISCORD_TOKEN": ""}
    proc = subprocess.run([sys.executable, "-m", "bot", "--dry-run", "--json"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert {c["name"] for c in json.loads(proc.stdout)["commands"]} == set(EXPECTED)


def test_missing_token_is_one_line_exit_2(bot_settings):
    err = io.StringIO()
    assert run_discord(bot_settings(), service=object(), err=err) == 2
    assert err.getvalue().count("\n") == 1 and "DISCORD_TOKEN" in err.getvalue()


def test_malformed_token_is_rejected_without_echo(bot_settings):
    err = io.StringIO()
    bad = "not a token\nwith newline"
    assert run_discord(bot_settings(discord_token=bad), service=object(), err=err) == 2
    assert "malformed" in err.getvalue() and bad not in err.getvalue() and "not a token" not in err.getvalue()


def test_invalid_token_login_failure(bot_settings, monkeypatch, caplog):
    async def static_login(self, token):
        logging.getLogger("discord.http").error("login attempt with %s failed", token)
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(discord.http.HTTPClient, "static_login", static_login)
    err = io.StringIO()
    with caplog.at_level(logging.DEBUG):
        code = run_discord(bot_settings(discord_token=FAKE_TOKEN), service=object(), err=err)
    assert code == 2
    assert err.getvalue().count("\n") == 1 and "rejected DISCORD_TOKEN" in err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert FAKE_TOKEN not in err.getvalue() and FAKE_TOKEN not in caplog.text
    assert "[REDACTED]" in caplog.text  # the leaky log line above was scrubbed


def test_redaction_covers_tracebacks(caplog):
    secret = "sekrit-value-1234567890-abcdefghij"
    install_redaction(secret)
    log = logging.getLogger("tests.redaction")
    try:
        raise RuntimeError(f"boom {secret}")
    except RuntimeError:
        log.exception("failed with %s", secret)
    handler_text = caplog.text
    assert secret not in handler_text and "[REDACTED]" in handler_text


def test_privileged_intent_refusal_falls_back_without_message_content(bot_settings, monkeypatch):
    attempts = []

    async def start(self, token, *, reconnect=True):
        attempts.append(self.intents.message_content)
        if self.intents.message_content:
            raise discord.PrivilegedIntentsRequired(None)
        return None

    monkeypatch.setattr(discord.Client, "start", start)
    assert run_discord(bot_settings(discord_token=FAKE_TOKEN), service=object(), err=io.StringIO()) == 0
    assert attempts == [True, False]


def test_invite_url_minimum_permissions():
    assert INVITE_PERMISSIONS.value == 309237730304
    perms = dict(iter(INVITE_PERMISSIONS))
    assert not perms["administrator"] and not perms["mention_everyone"] and not perms["manage_messages"]
    url = invite_url(123)
    assert "client_id=123" in url and "scope=bot+applications.commands" in url and "permissions=309237730304" in url


def test_intents_are_not_privileged_beyond_message_content():
    from bot.client import default_intents

    intents = default_intents()
    assert intents.message_content and intents.guilds and intents.guild_messages and intents.dm_messages
    assert not intents.members and not intents.presences
