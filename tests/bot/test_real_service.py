"""The real AnswerService (real embedder, real Chroma, seed corpus) behind the bot, through dpytest."""

from __future__ import annotations

import logging
import os

import pytest

from tests.bot.test_flows import assert_no_pings

pytestmark = pytest.mark.slow

QUESTION_AR = "ماذا قال شي جين بينغ عن التعاون مع روسيا؟"


@pytest.fixture(scope="module")
def real_service(tmp_path_factory, shared_dir):
    from khabar.app import build_service
    from khabar.settings import get_settings

    home = tmp_path_factory.mktemp("bot-real-home")
    service = build_service(get_settings(_env_file=None, khabar_home=home, chroma_host=""))
    report = service.reindex([str(shared_dir / "corpus" / "seed")])
    assert report["added"] == 1
    return service


async def test_mention_and_slash_ask_with_the_real_service(discord_env, real_service, caplog):
    caplog.set_level(logging.INFO, logger="retrieval.service")
    env = await discord_env(real_service)
    await env.say(f"{env.mention()} {QUESTION_AR}")
    replies = [s for s in env.sent if s.via == "channel" and s.body.get("embeds")]
    assert len(replies) == 1
    content = replies[0].body["content"]
    assert "[1]" in content
    embed_text = str(replies[0].body["embeds"])
    assert "شينخوا" in embed_text or "بكين" in embed_text  # the seed article's dateline metadata is cited

    answer = real_service.ask(QUESTION_AR)
    article = real_service.article(answer.citations[0].article_id)
    for c in answer.citations:
        assert article.text[c.start:c.end] == c.quote

    sent = await env.slash("ask", question=QUESTION_AR)
    assert sent[0].path.endswith("/callback") and sent[0].body["type"] == 5  # deferred first
    follow = [s for s in sent[1:] if s.method == "POST"]
    assert follow and follow[-1].body["embeds"]
    assert_no_pings(env.sent + sent)
    await env.bot.warm_up_task  # the real warm-up, run beside these questions
    assert "models and indexes loaded" in caplog.text and "warming up failed" not in caplog.text


async def test_a_greeting_gets_a_hint_in_place_not_a_quoted_passage(discord_env, real_service):
    env = await discord_env(real_service)
    await env.say(f"{env.mention()} مرحبا 👋")
    channel = [s for s in env.sent if s.via == "channel" and s.method == "POST"]
    assert len(channel) == 1 and "/threads" not in channel[0].path  # a reply, not a thread named «مرحبا»
    body = channel[0].body
    assert "اسألني عن الأخبار" in body["content"] and not body.get("embeds") and not body.get("components")
    sent = await env.slash("ask", question="thanks!")
    follow = [s for s in sent[1:] if s.method == "POST"]
    assert "You're welcome" in follow[-1].body["content"] and not follow[-1].body.get("components")


async def test_an_unknown_source_is_refused_in_the_askers_language(discord_env, real_service):
    env = await discord_env(real_service)
    sent = await env.slash("ask", question=QUESTION_AR, source="no-such-paper")
    text = " ".join(str(s.body) for s in sent)
    assert "لا توجد مقالات من المصدر «no-such-paper»" in text and "شينخوا" not in text


async def test_reindex_ingests_every_folder_of_the_corpus_path(discord_env, shared_dir, tmp_path):
    """KHABAR_CORPUS_PATH may name several places, separated as PATH is; /reindex ingests them all."""
    import discord

    from khabar.app import build_service
    from khabar.settings import get_settings

    extra = tmp_path / "extra.jsonl"
    extra.write_text('{"id": "x1", "title": "النفط", "text": "ارتفعت أسعار النفط في الرياض اليوم."}\n', encoding="utf-8")
    corpus = os.pathsep.join([str(shared_dir / "corpus" / "seed"), str(extra)])
    settings = get_settings(_env_file=None, khabar_home=tmp_path / "home", chroma_host="", khabar_corpus_path=corpus)
    service = build_service(settings)
    env = await discord_env(service, khabar_corpus_path=corpus)
    sent = await env.slash("reindex", permissions=discord.Permissions(manage_guild=True))
    assert "finished" in [s for s in sent if s.method == "PATCH"][-1].body["content"]
    assert service.stats()["articles"] == 2
