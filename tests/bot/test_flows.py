"""Bot flows through discord.py's machinery with the network faked (dpytest + payload-built interactions)."""

from __future__ import annotations

import json
import re

import discord
import pytest

from bot.formatting import LRM, RLM, ZWSP
from tests.bot.fake_service import FakeAnswerService
from tests.bot.harness import buttons_of

NONE_MENTIONS = discord.AllowedMentions.none().to_dict()
QUESTION_AR = "ماذا قال شي عن بوتين والتواصل الوثيق؟"


def assert_no_pings(sent):
    assert sent, "the bot sent nothing"
    for s in sent:
        if s.path.endswith("/threads") or s.method == "DELETE" or s.body.get("type") == 5 or s.body.get("type") == 8:
            continue  # thread creation, deletions, defers and autocomplete results carry no message text
        body = s.body.get("data", s.body) if s.path.endswith("/callback") else s.body
        assert body.get("allowed_mentions") == NONE_MENTIONS, s


def strings(value):
    """Every string inside a JSON body (what Discord would render)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def field_values(body):
    return [f["value"] for e in body.get("embeds", []) for f in e.get("fields", [])]


async def test_mention_replies_with_citations(discord_env, fake_service, seed_article):
    env = await discord_env(fake_service)
    await env.say(f"{env.mention()} {QUESTION_AR}")
    answers = [s for s in env.sent if s.via == "channel" and s.body.get("embeds")]
    assert len(answers) == 1
    body = answers[0].body
    assert "[1]" in body["content"]
    assert body["message_reference"]["message_id"]  # a reply (no thread permission by default)
    quotes = field_values(body)
    call = fake_service.calls[-1]
    assert call["question"].strip() == QUESTION_AR
    answer = fake_service.ask(QUESTION_AR)
    for c in answer.citations:
        assert seed_article.text[c.start:c.end] == c.quote
        assert any(c.quote[:40] in q.replace("\u200f", "").replace("\u200e", "") for q in quotes)
    assert_no_pings(env.sent)
    assert [b.get("emoji", {}).get("name") for b in buttons_of(answers[0])][-2:] == ["👍", "👎"]


async def test_without_embed_links_the_citations_come_as_text(discord_env, fake_service):
    """Discord drops embeds silently where the bot may not embed links: the [n] must still point at something."""
    from discord.ext.test import backend

    env = await discord_env(fake_service)
    role = env.guild.default_role
    perms = role.permissions
    perms.update(embed_links=False)
    backend.update_role(role, permissions=perms.value)
    await env.say(f"{env.mention()} {QUESTION_AR}")
    replies = [s for s in env.sent if s.via == "channel"]
    assert replies and not any(s.body.get("embeds") for s in replies)
    text = "".join(s.body.get("content", "") for s in replies)
    answer = fake_service.ask(QUESTION_AR)
    assert "[1]" in text and answer.citations[0].quote[:30] in text.replace(RLM, "").replace(LRM, "")
    assert all(len(s.body.get("content", "")) <= 2000 for s in replies)
    assert_no_pings(env.sent)


async def test_mention_starts_thread_and_follow_up_uses_history(discord_env, fake_service):
    env = await discord_env(fake_service)
    env.allow_threads()
    await env.say(f"{env.mention()} {QUESTION_AR}")
    assert any(s.path.endswith("/threads") for s in env.sent)
    thread = env.guild.threads[0]
    assert thread.owner_id == env.bot.user.id
    in_thread = [s for s in env.sent if s.path == f"/channels/{thread.id}/messages"]
    assert in_thread and in_thread[0].body.get("embeds")
    await env.say("وماذا عن كوفيد؟", channel=thread)  # no mention needed inside the bot's thread
    follow_up = fake_service.calls[-1]
    assert follow_up["question"] == "وماذا عن كوفيد؟"
    assert [t.question for t in follow_up["history"]] == [QUESTION_AR]
    before = (len(env.sent), len(fake_service.calls))
    await env.say("", channel=thread)  # an image alone, or no Message Content intent: no "include a question"
    assert (len(env.sent), len(fake_service.calls)) == before
    assert_no_pings(env.sent)


async def test_a_mention_of_the_bot_s_own_role_is_a_mention(discord_env, fake_service):
    """Discord's autocomplete often turns "@Khabar" into the bot's managed role."""
    env = await discord_env(fake_service)
    role = discord.Role(guild=env.guild, state=env.bot._connection, data={
        "id": "1300000000000000999", "name": "Khabar", "permissions": "0", "position": 1, "color": 0,
        "hoist": False, "managed": True, "mentionable": True, "tags": {"bot_id": str(env.bot.user.id)}})
    env.guild._add_role(role)
    assert env.guild.self_role == role
    await env.say(f"<@&{role.id}> {QUESTION_AR}")
    assert fake_service.calls and fake_service.calls[-1]["question"].strip() == QUESTION_AR
    assert_no_pings(env.sent)


async def test_dm_gets_answer(discord_env, fake_service):
    env = await discord_env(fake_service)
    await env.dm("What did Xi say about Putin and 2020?")
    answers = [s for s in env.sent if s.body.get("embeds")]
    assert answers, env.sent
    assert_no_pings(env.sent)


async def test_messages_not_addressed_to_bot_are_ignored(discord_env, fake_service):
    env = await discord_env(fake_service)
    await env.say("@everyone what did Xi say?")
    await env.say("just chatting about Putin")
    assert fake_service.calls == [] and env.sent == []


async def test_slash_ask_defers_then_follows_up_with_embed(discord_env, fake_service):
    env = await discord_env(fake_service)
    sent = await env.slash("ask", question=QUESTION_AR)
    assert sent[0].path.endswith("/callback") and sent[0].body["type"] == 5  # deferred first
    assert sent[0].body["data"]["flags"] & 64  # ephemeral unless public
    follow = [s for s in sent[1:] if s.method == "POST"]
    assert follow and follow[-1].body["embeds"]
    assert "[1]" in follow[0].body["content"]
    assert_no_pings(sent)


async def test_an_interaction_that_expired_before_its_defer_frees_its_slot(discord_env, fake_service, monkeypatch):
    """Discord answers the defer with 10062 Unknown interaction (lag): the guild must not stay "busy"."""
    env = await discord_env(fake_service)

    class Expired(Exception):
        pass

    async def expired(self, **kwargs):
        raise Expired("Unknown interaction")

    monkeypatch.setattr(discord.InteractionResponse, "defer", expired)
    for command, option in (("ask", "question"), ("search", "query")):
        await env.slash(command, **{option: QUESTION_AR})
        assert env.bot.responder.gate.active(env.guild.id) == 0
    assert fake_service.calls == []


async def test_slash_ask_public_with_filters(discord_env, fake_service):
    env = await discord_env(fake_service)
    sent = await env.slash("ask", question="Xi Putin", source="xinhua", since="2020-01-01", until="2021-01-01", public=True)
    assert "flags" not in (sent[0].body.get("data") or {})
    call = fake_service.calls[-1]
    assert call["filters"].source == "xinhua" and call["filters"].since == "2020-01-01"


async def test_bad_date_is_refused_politely(discord_env, fake_service):
    env = await discord_env(fake_service)
    sent = await env.slash("ask", question="Xi Putin", since="yesterday")
    assert fake_service.calls == []
    assert sent[0].body["type"] == 4 and sent[0].body["data"]["flags"] & 64
    assert "2020-12-31" in sent[0].body["data"]["content"]


async def test_cooldown_message(discord_env, fake_service):
    env = await discord_env(fake_service, discord_user_cooldown_s=60)
    await env.slash("ask", question="What did Xi say about Putin?")
    sent = await env.slash("ask", question="And about Russia?")
    assert len(fake_service.calls) == 1
    assert sent[0].body["type"] == 4
    assert "wait" in sent[0].body["data"]["content"]
    assert sent[0].body["data"]["flags"] & 64
    sent = await env.slash("ask", question="وماذا عن روسيا؟", member=1)  # another user is not throttled
    assert len(fake_service.calls) == 2


async def test_cooldown_message_in_arabic(discord_env, fake_service):
    env = await discord_env(fake_service, discord_user_cooldown_s=60)
    await env.say(f"{env.mention()} {QUESTION_AR}")
    await env.say(f"{env.mention()} {QUESTION_AR}")
    last = env.sent[-1].body["content"]
    assert "انتظر" in last and len(fake_service.calls) == 1


async def test_reindex_refused_without_permission(discord_env, fake_service):
    env = await discord_env(fake_service)
    sent = await env.slash("reindex", permissions=discord.Permissions(send_messages=True))
    assert not any(c["method"] == "reindex" for c in fake_service.calls)
    assert sent[0].body["data"]["flags"] & 64
    assert "Manage Server" in sent[0].body["data"]["content"]


async def test_reindex_runs_for_admins_and_reports(discord_env, fake_service):
    env = await discord_env(fake_service)
    sent = await env.slash("reindex", permissions=discord.Permissions(manage_guild=True))
    assert any(c["method"] == "reindex" for c in fake_service.calls)
    edits = [s for s in sent if s.method == "PATCH"]
    assert "finished" in edits[-1].body["content"]
    assert_no_pings(sent)


async def test_reindex_says_why_it_failed_and_outlives_its_interaction_token(discord_env, fake_service, monkeypatch):
    import bot.commands as commands
    from retrieval.errors import BadQuestionError

    class NoCorpus(FakeAnswerService):
        def reindex(self, paths=None, progress=None):
            raise BadQuestionError("no corpus path is configured (set KHABAR_CORPUS_PATH)")

    env = await discord_env(NoCorpus([]))
    sent = await env.slash("reindex", permissions=discord.Permissions(manage_guild=True))
    assert "no corpus path is configured" in [s for s in sent if s.method == "PATCH"][-1].body["content"]
    env = await discord_env(fake_service)
    monkeypatch.setattr(commands, "TOKEN_LIFETIME_S", -1)  # as if the ingest took longer than 15 minutes
    sent = await env.slash("reindex", permissions=discord.Permissions(manage_guild=True))
    assert not [s for s in sent if s.method == "PATCH"]  # the expired token is not used...
    posted = [s for s in env.sent if s.via == "channel"]
    assert posted and "finished" in posted[-1].body["content"]  # ...the summary goes to the channel
    assert not env.bot.reindex_lock.locked()


async def test_admin_role_may_reindex(discord_env, fake_service):
    from discord.ext.test import backend

    env = await discord_env(fake_service, discord_admin_role="khabar-admins")
    role = backend.make_role("khabar-admins", env.guild)
    backend.update_member(env.member(0), roles=[role])
    await env.slash("reindex", permissions=discord.Permissions(send_messages=True))
    assert any(c["method"] == "reindex" for c in fake_service.calls)


async def test_article_with_everyone_pings_nobody(discord_env, hostile_article):
    service = FakeAnswerService([hostile_article])
    env = await discord_env(service)
    await env.say(f"{env.mention()} ما نتائج الاجتماع الطارئ للوزارة؟ @everyone")
    sent_slash = await env.slash("ask", question="@here نتائج الاجتماع الطارئ للوزارة", public=True)
    await env.slash("search", query="الاجتماع الطارئ")
    await env.slash("article", id="hostile-1")
    assert_no_pings(env.sent)
    for s in env.sent:
        for text in strings(s.body):
            assert "@everyone" not in text and "@here" not in text
            assert "<@&1234>" not in text and "<@42>" not in text
            assert "```" not in text and "||" not in text
            assert not re.search(r"(?<!\\)\]\(https://evil", text), text  # no live masked link
            assert "javascript:" not in text
    assert any(f"@{ZWSP}everyone" in json.dumps(s.body, ensure_ascii=False) for s in sent_slash)


async def test_more_passages_and_feedback_buttons(discord_env, fake_service, bot_settings):
    env = await discord_env(fake_service)
    sent = await env.slash("ask", question="What did Xi Jinping say about Putin, Russia, China and cooperation in 2020?")
    answer_msg = [s for s in sent if s.method == "POST" and s.body.get("components")][-1]
    labels = [b.get("label") for b in buttons_of(answer_msg)]
    assert labels[0] == "More passages"
    more = await env.click(answer_msg, 0)
    assert more[0].body["data"]["embeds"] and more[0].body["data"]["flags"] & 64
    await env.click(answer_msg, 1)
    again = await env.click(answer_msg, 1)  # the same vote twice is logged once
    assert "already recorded" in again[0].body["data"]["content"]
    await env.click(answer_msg, 2, member=1)
    log_path = env.bot.settings.khabar_home / "feedback.jsonl"
    entries = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()]
    assert [e["verdict"] for e in entries] == ["up", "down"]
    assert entries[0]["question"].startswith("What did Xi")
    assert entries[0]["citations"] and {"article_id", "start", "end"} <= set(entries[0]["citations"][0])
    assert entries[0]["user"] != entries[1]["user"]
    raw = log_path.read_text(encoding="utf-8")
    for m in (env.member(0), env.member(1)):
        assert str(m.id) not in raw and m.name not in raw


async def test_buttons_of_an_answer_from_before_a_restart_say_they_expired(discord_env, fake_service):
    env = await discord_env(fake_service)
    sent = await env.slash("ask", question="ماذا قال شي جين بينغ عن التعاون؟")
    answer_msg = [s for s in sent if s.method == "POST" and s.body.get("components")][-1]
    assert [b["custom_id"] for b in buttons_of(answer_msg)] == ["khabar:more", "khabar:up", "khabar:down"]
    restarted = await discord_env(fake_service)  # a new process: the answer's view is gone
    for i in range(3):
        reply = await restarted.click(answer_msg, i)
        assert len(reply) == 1 and reply[0].body["data"]["flags"] & 64  # private
        assert "انتهت صلاحية هذه الأزرار" in reply[0].body["data"]["content"]
    assert not (restarted.bot.settings.khabar_home / "feedback.jsonl").exists()


async def test_source_autocomplete(discord_env, fake_service):
    env = await discord_env(fake_service)
    sent = await env.autocomplete("ask", "source", "xin", question="x")
    choices = sent[0].body["data"]["choices"]
    assert choices == [{"name": "xinhua (1)", "value": "xinhua"}]
    elsewhere = await discord_env(fake_service, discord_allowed_channels="1")  # not this channel
    assert await elsewhere.autocomplete("ask", "source", "xin", question="x") == []  # no message an autocomplete cannot take
    refused = await elsewhere.slash("ask", question="x")
    assert "flags" in refused[0].body["data"] and fake_service.calls == []


async def test_other_commands_answer(discord_env, fake_service):
    env = await discord_env(fake_service)
    for name, opts in (("sources", {}), ("stats", {}), ("help", {}), ("search", {"query": "بوتين"}), ("article", {"id": "seed-xinhua-2020-12-31"})):
        sent = await env.slash(name, **opts)
        bodies = [s.body.get("data", s.body) for s in sent if s.method == "POST" and s.body.get("type") != 5]
        assert bodies and bodies[-1].get("embeds"), (name, sent)
    sent = await env.slash("article", id="nope")
    assert "nope" in [s for s in sent if s.method == "POST"][-1].body["content"]


async def test_service_failure_is_short_and_logged(discord_env, fake_service, caplog):
    class Broken(FakeAnswerService):
        def ask(self, *a, **k):
            raise RuntimeError("database on fire at /secret/path")

    env = await discord_env(Broken([]))
    sent = await env.slash("ask", question="what happened?")
    text = json.dumps([s.body for s in sent], ensure_ascii=False)
    assert "database on fire" not in text and "went wrong" in text
    assert "database on fire" in caplog.text


@pytest.mark.parametrize(
    ("question", "expect_call", "expect_text"),
    [
        ("", False, "Please include a question"),
        ("x" * 10_000, False, "too long"),
        ("؟؟!!! 🎉🎉 ...", True, "لا أستطيع البحث عن ذلك: لا يحتوي السؤال على كلمات"),  # answered in Arabic
        ("!!! 🎉🎉 ...", True, "can't search"),
        ("\u202e\u2066ما\x00 قال\u200b شي\x07 عن بوتين؟\u2069", True, None),
        ("/ask question: @everyone <@&1> ```x``` what did Xi say", True, None),
    ],
)
async def test_hostile_questions_get_one_helpful_reply(discord_env, fake_service, question, expect_call, expect_text):
    env = await discord_env(fake_service)
    await env.say(f"{env.mention()} {question}")
    replies = [s for s in env.sent if s.via == "channel"]
    assert len(replies) == 1
    assert bool(fake_service.calls) == expect_call
    if fake_service.calls:
        asked = fake_service.calls[0]["question"]
        assert not any(c in asked for c in "\u202e\u2066\u2069\x00\x07") and len(asked) <= 1000
    if expect_text:
        assert expect_text in replies[0].body["content"]
    assert_no_pings(env.sent)
    for text in strings(replies[0].body):
        assert "@everyone" not in text and "```" not in text and "<@&1>" not in text


async def test_the_bot_warms_the_service_up_in_the_background(discord_env, seed_article):
    """A question that arrives while the models are still loading is answered; the warm-up finishes after."""
    import asyncio
    import threading

    release = threading.Event()

    class SlowStart(FakeAnswerService):
        def warm_up(self):
            release.wait(10)
            super().warm_up()

    service = SlowStart([seed_article])
    env = await discord_env(service)
    try:
        await env.say(f"{env.mention()} {QUESTION_AR}")
        assert [s for s in env.sent if s.via == "channel" and s.body.get("embeds")]
        assert not env.bot.warm_up_task.done() and not service.warmed_up
    finally:
        release.set()
    await asyncio.wait_for(env.bot.warm_up_task, 10)
    assert service.warmed_up
