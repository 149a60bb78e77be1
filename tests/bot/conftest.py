"""Bot fixtures: seed and hostile articles, a fake service, and bots wired to dpytest's faked Discord."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.models import Article
from khabar.settings import get_settings
from tests.bot.fake_service import FakeAnswerService

HOSTILE_TEXT = (
    "@everyone أعلنت الوزارة اليوم نتائج الاجتماع الطارئ. <@&1234> ```py\nprint('pwned')``` "
    "[اضغط هنا](https://evil.example/x) @here قالت الوزارة إن الاجتماع ناجح جدًا. <@42> ||spoiler|| # heading"
)


def article_from_seed(seed_path: Path) -> Article:
    text = seed_path.read_text(encoding="utf-8").strip()
    return Article(
        article_id="seed-xinhua-2020-12-31",
        text=text,
        title="شي يقول إنه مستعد للحفاظ على تواصل وثيق مع بوتين",
        source="xinhua",
        agency="شينخوا",
        city="بكين",
        date="2020-12-31",
        url="https://example.org/xinhua/2020/12/31/xi-putin",
        path=str(seed_path),
    )


@pytest.fixture
def seed_article(seed_path: Path) -> Article:
    return article_from_seed(seed_path)


@pytest.fixture
def hostile_article() -> Article:
    return Article(
        article_id="hostile-1", text=HOSTILE_TEXT, title="@everyone `breaking` **news**", source="@here",
        date="2021-01-02", url="javascript:alert(1)",
    )


@pytest.fixture
def fake_service(seed_article: Article) -> FakeAnswerService:
    return FakeAnswerService([seed_article])


@pytest.fixture
def bot_settings(tmp_path: Path):
    """Settings isolated from any .env: home in tmp, no cooldown unless a test asks for one."""
    def make(**overrides):
        values = dict(
            _env_file=None, khabar_home=tmp_path / "home", discord_token=None, discord_guild_id=None,
            discord_allowed_channels="", discord_user_cooldown_s=0.0, discord_guild_concurrency=4,
            discord_admin_role="", khabar_max_question_chars=1000,
        )
        values.update(overrides)
        return get_settings(**values)

    return make


@pytest.fixture
async def discord_env(bot_settings):
    """`await discord_env(service, **settings)` → a DiscordHarness around a KhabarBot on dpytest (any service works)."""
    from tests.bot.harness import DiscordHarness

    harnesses = []

    async def make(service, **overrides):
        harness = await DiscordHarness.create(service, bot_settings(**overrides))
        harnesses.append(harness)
        return harness

    yield make
    for h in harnesses:
        await h.close()
