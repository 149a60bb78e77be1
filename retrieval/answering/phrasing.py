"""The fixed sentences that frame an answer, in Arabic and English (quotes themselves stay in the article's language)."""

from __future__ import annotations

from corpus.outlets import OUTLETS

_TEXT = {
    "ar": {
        "first": "بحسب {label}: {quote} [{n}]",
        "same": "وجاء فيه أيضاً: {quote} [{n}]",
        "other": "وبحسب {label}: {quote} [{n}]",
        "abstain": "لم أجد في المقالات المتاحة ما يجيب عن هذا السؤال.",
        "abstain_related": "لم أجد في المقالات المتاحة ما يجيب عن هذا السؤال. هذه أقرب المقاطع التي عثرت عليها، للاطلاع فقط:",
        "greeting": "أهلًا! اسألني عن الأخبار المفهرسة، بالعربية أو بالإنجليزية، وسأجيب باقتباسات من المقالات مع مصادرها.",
        "thanks": "عفوًا! اسألني عن أي شيء آخر في الأخبار المفهرسة.",
        "window": "بحثتُ في المقالات المؤرخة من {since} إلى {until} (بحسب التاريخ في السؤال) وفي المقالات غير المؤرخة.",
        "latest": "الأحدث أولًا: أحدث ما وجدته من مقالات عن الموضوع، بتاريخ {dates}.",
        "quote": "«{}»",
        "article": "المقال",
        "dated": "{label} ({date})",
    },
    "en": {
        "first": "According to {label}: {quote} [{n}]",
        "same": "It also says: {quote} [{n}]",
        "other": "{label} reports: {quote} [{n}]",
        "abstain": "I could not find an answer to this in the indexed articles.",
        "abstain_related": "I could not find an answer to this in the indexed articles. The closest passages are listed as related, for reference only:",
        "greeting": "Hello! Ask me about the indexed news, in English or Arabic, and I will answer with quotes from the "
                    "articles and their sources.",
        "thanks": "You're welcome! Ask me anything else about the indexed news.",
        "window": "Searched articles dated {since} to {until} (the date in the question) and undated ones.",
        "latest": "Newest first: the newest articles found about the topic, dated {dates}.",
        "quote": "“{}”",
        "article": "the article",
        "dated": "{label} ({date})",
    },
}


def phrase(language: str, key: str) -> str:
    return _TEXT["ar" if language == "ar" else "en"][key]


def source_label(language: str, source: str, agency: str, title: str, date: str) -> str:
    """How the answer names where a quote comes from: outlet, else wire agency, else the article's title."""
    lang = "ar" if language == "ar" else "en"
    if source:
        names = OUTLETS.get(source.lower())
        label = (names[0] if lang == "ar" else names[1]) if names else source
    elif agency:
        label = agency
    elif title:
        label = phrase(lang, "quote").format(_clip(title.strip(), 80))
    else:
        label = phrase(lang, "article")
    return phrase(lang, "dated").format(label=label, date=date) if date else label


def latest_note(language: str, citations) -> str:
    """What a "latest news" answer did, with the dates of the articles it quotes ("" when none is dated)."""
    dates = [c.date for c in citations if c.date]
    if not dates:
        return ""
    lo, hi = min(dates), max(dates)
    span = lo if lo == hi else (f"{lo} – {hi}" if language != "ar" else f"{lo} إلى {hi}")
    return phrase(language, "latest").format(dates=span)


def _clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut between words ("… بطول 12 كيلومترا" must not become "بطول 1")."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return (cut[: cut.rfind(" ")] if " " in cut else cut).rstrip(" ,،:;-") + "…"


def quoted(language: str, text: str) -> str:
    return phrase(language, "quote").format(text)


def abstention_text(language: str, has_related: bool) -> str:
    return phrase(language, "abstain_related" if has_related else "abstain")
