"""Pure shaping of answers for Discord: cleaning, escaping, bidi marks, limits and splitting.

Nothing here imports discord; `bot/embeds.py` turns `EmbedData` into `discord.Embed`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from bot.texts import t
from retrieval.answering.language import detect_language
from retrieval.models import Answer, Citation, Hit

MESSAGE_LIMIT = 2000
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_TOTAL_LIMIT = 6000
EMBED_FIELDS_LIMIT = 25
EMBEDS_PER_MESSAGE = 10
EMBED_TITLE_LIMIT = 256
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
THREAD_NAME_LIMIT = 100

RLM = "\u200f"
LRM = "\u200e"
ZWSP = "\u200b"
ELLIPSIS = "…"
COLOUR = 0x2B7A78

# C0/C1 controls (except \t \n), bidi embeddings/overrides/isolates and marks, BOM, interlinear annotations:
# untrusted text must not be able to reorder or hide our layout.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb]")
_BARE_MARKER = re.compile(r"\[(\d{1,3})\](?!\u200f)")
_NUMBER_RUN = re.compile(r"(?<![\d\u200e])\d+(?:[-/.:]\d+)+(?![\d\u200e])")  # dates, times, versions
_URL = re.compile(r"(https?://[^\s)>]+)")
_SENTENCE_END = re.compile(r"(?<=[.!?؟。…;؛])\s+")


@dataclass(frozen=True, slots=True)
class EmbedField:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class EmbedData:
    """Everything a Discord embed shows, already escaped and within limits."""

    title: str = ""
    description: str = ""
    fields: tuple[EmbedField, ...] = ()
    footer: str = ""
    url: str = ""
    colour: int = COLOUR

    def size(self) -> int:
        """Characters Discord counts towards the 6,000-per-message embed total."""
        return (
            len(self.title)
            + len(self.description)
            + len(self.footer)
            + sum(len(f.name) + len(f.value) for f in self.fields)
        )


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    content: str = ""
    embeds: tuple[EmbedData, ...] = ()


@dataclass(frozen=True, slots=True)
class Formatted:
    """The messages for one reply; views (buttons) attach to the last one."""

    messages: tuple[OutgoingMessage, ...]
    language: str = "en"
    extra: dict = field(default_factory=dict)


# --- language and cleaning -------------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Drop control and bidi-override characters; normalise newlines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _UNSAFE.sub("", text)


def clean_question(text: str) -> str:
    """A question as one safe line: no controls, no bidi overrides, collapsed whitespace."""
    return " ".join(clean_text(text).split())


# --- escaping ----------------------------------------------------------------------------------------------------

_INLINE_MD = re.compile(r"([\\*_~`|])")
_MASKED_LINK = re.compile(r"\[([^\]\n]*)\]\(")
_LINE_START_MD = re.compile(r"(?m)^([ \u00a0]*)(#{1,3}\s|-#\s|>|[-+]\s|\d+\.\s)")


def escape_markdown(text: str) -> str:
    """Backslash-escape markdown so article text cannot open code blocks, spoilers, links or headings."""
    text = _INLINE_MD.sub(r"\\\1", text)
    text = _MASKED_LINK.sub(r"\\[\1\\](", text)
    return _LINE_START_MD.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def neutralise_mentions(text: str) -> str:
    """Break @everyone/@here, user/role/channel mentions and slash-command links with a zero-width space."""
    return text.replace("@", "@" + ZWSP).replace("<#", "<" + ZWSP + "#").replace("</", "<" + ZWSP + "/")


def escape(text: str) -> str:
    """Untrusted text (articles, questions) made inert for Discord: cleaned, escaped, mention-proof."""
    return neutralise_mentions(escape_markdown(clean_text(text)))


def safe_url(url: str) -> str:
    """An http(s) URL safe inside a markdown link, or '' (no javascript:, no breaking parentheses)."""
    url = clean_text(url).strip()
    parts = urlsplit(url) if url else None
    if not parts or parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        return ""
    return quote(url, safe=":/?#&=%+,;~!$*'@.-_") if any(c in url for c in "()<>[]") else url


# --- bidi --------------------------------------------------------------------------------------------------------


def ltr(text: str) -> str:
    """Keep a number, date or id in reading order inside right-to-left text."""
    return f"{LRM}{text}{LRM}" if text else text


def rtl(text: str) -> str:
    """Lay out Arabic text right-to-left even when a line starts with a number, [n] or a Latin word.

    Each line gets an RLM so the paragraph direction is RTL; each [n] marker is followed by an RLM so the
    bracket pair and digits stay attached to the Arabic sentence they cite.
    """
    pieces = _URL.split(text)  # odd indexes are URLs, which must stay byte-for-byte intact
    for i in range(0, len(pieces), 2):
        piece = _BARE_MARKER.sub(lambda m: f"[{m.group(1)}]{RLM}", pieces[i])
        pieces[i] = _NUMBER_RUN.sub(lambda m: ltr(m.group(0)), piece)
    text = "".join(pieces)
    return "\n".join(_rtl_line(line) for line in text.split("\n"))


def _rtl_line(line: str) -> str:
    if line.startswith(RLM):
        return line
    if line.startswith("> "):  # a block quote needs its marker first; the RLM goes after it
        return line if line[2:].startswith(RLM) else "> " + RLM + line[2:]
    return RLM + line


def directional(text: str, lang: str) -> str:
    return rtl(text) if lang == "ar" else text


# --- limits and splitting ----------------------------------------------------------------------------------------


def truncate(text: str, limit: int) -> str:
    """Cut at a sentence or word boundary so the result plus an ellipsis fits in `limit`."""
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    cut = text[:room]
    for boundary in (_last_sentence_end(cut, room // 2), cut.rfind(" ", room // 2), cut.rfind("\n", room // 2)):
        if boundary and boundary > 0:
            cut = cut[:boundary]
            break
    return _no_dangling_escape(cut.rstrip()) + ELLIPSIS


def _last_sentence_end(text: str, minimum: int) -> int:
    ends = [m.start() for m in _SENTENCE_END.finditer(text) if m.start() >= minimum]
    return ends[-1] if ends else 0


def _no_dangling_escape(text: str) -> str:
    trailing = len(text) - len(text.rstrip("\\"))
    return text[:-1] if trailing % 2 else text


def split_text(text: str, limit: int) -> list[str]:
    """Split into pieces of at most `limit` chars, preferring paragraph, then sentence, then word boundaries."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    if len(text) <= limit:
        return [text] if text.strip() else []
    pieces: list[str] = []
    for unit in _units(text, limit):
        if pieces and len(pieces[-1]) + len(unit) <= limit:
            pieces[-1] += unit
        else:
            pieces.append(unit)
    return [p.strip() for p in pieces if p.strip()]


def _units(text: str, limit: int) -> Iterable[str]:
    """Break text into units no longer than `limit`, each keeping its trailing separator."""
    for para in re.split(r"(?<=\n)", text):
        if len(para) <= limit:
            yield para
            continue
        for sentence in re.split(r"(?<=[.!?؟。…;؛])(?=\s)", para):
            if len(sentence) <= limit:
                yield sentence
                continue
            for word in re.split(r"(?<=\s)", sentence):
                while len(word) > limit:
                    cut = limit - 1 if word[limit - 1] == "\\" else limit
                    yield word[:cut]
                    word = word[cut:]
                if word:
                    yield word


def within_limits(message: OutgoingMessage) -> list[str]:
    """Which Discord limits a message breaks (empty when it can be sent)."""
    problems = []
    if len(message.content) > MESSAGE_LIMIT:
        problems.append(f"content {len(message.content)} > {MESSAGE_LIMIT}")
    if len(message.embeds) > EMBEDS_PER_MESSAGE:
        problems.append("too many embeds")
    if sum(e.size() for e in message.embeds) > EMBED_TOTAL_LIMIT:
        problems.append("embed total > 6000")
    for e in message.embeds:
        if len(e.title) > EMBED_TITLE_LIMIT:
            problems.append("title > 256")
        if len(e.description) > EMBED_DESCRIPTION_LIMIT:
            problems.append("description > 4096")
        if len(e.fields) > EMBED_FIELDS_LIMIT:
            problems.append("fields > 25")
        if len(e.footer) > FOOTER_LIMIT:
            problems.append("footer > 2048")
        for f in e.fields:
            if len(f.name) > FIELD_NAME_LIMIT or not f.name.strip():
                problems.append("field name empty or > 256")
            if len(f.value) > FIELD_VALUE_LIMIT or not f.value.strip():
                problems.append("field value empty or > 1024")
    if not message.content and not message.embeds:
        problems.append("empty message")
    return problems


def pack_embeds(embeds: Sequence[EmbedData]) -> list[tuple[EmbedData, ...]]:
    """Group embeds into messages: at most 10 per message and 6,000 characters in total."""
    groups: list[list[EmbedData]] = []
    total = 0
    for e in embeds:
        if groups and len(groups[-1]) < EMBEDS_PER_MESSAGE and total + e.size() <= EMBED_TOTAL_LIMIT:
            groups[-1].append(e)
            total += e.size()
        else:
            groups.append([e])
            total = e.size()
    return [tuple(g) for g in groups]


def fields_to_embeds(title: str, fields: Sequence[EmbedField], *, footer: str = "") -> list[EmbedData]:
    """Spread fields over as many embeds as the 25-field and 6,000-character limits need."""
    title = truncate(title, EMBED_TITLE_LIMIT)
    footer = truncate(footer, FOOTER_LIMIT)
    embeds: list[EmbedData] = []
    batch: list[EmbedField] = []
    size = len(title) + len(footer)
    for f in fields:
        f_size = len(f.name) + len(f.value)
        if batch and (len(batch) >= EMBED_FIELDS_LIMIT or size + f_size > EMBED_TOTAL_LIMIT):
            embeds.append(EmbedData(title=title, fields=tuple(batch), footer=footer))
            batch, size = [], len(title) + len(footer)
        batch.append(f)
        size += f_size
    if batch:
        embeds.append(EmbedData(title=title, fields=tuple(batch), footer=footer))
    return embeds


def text_to_embeds(title: str, text: str, *, url: str = "", footer: str = "") -> list[EmbedData]:
    """A long description spread over embeds of at most 4,096 characters each."""
    title = truncate(title, EMBED_TITLE_LIMIT)
    return [
        EmbedData(title=title if i == 0 else "", description=part, url=url if i == 0 else "", footer=footer)
        for i, part in enumerate(split_text(text, EMBED_DESCRIPTION_LIMIT))
    ]


def assemble(content: str, embeds: Sequence[EmbedData], lang: str) -> tuple[OutgoingMessage, ...]:
    """Content split at sentence boundaries into 2,000-char messages; embeds packed onto the last ones."""
    limit = MESSAGE_LIMIT - 1
    while True:  # Arabic direction marks lengthen each part after the split: split smaller rather than cut
        parts = split_text(content, limit)
        parts = [directional(p, lang) if lang == "ar" and not p.startswith(RLM) else p for p in parts]
        over = max((len(p) for p in parts), default=0) - MESSAGE_LIMIT
        if over <= 0 or limit < MESSAGE_LIMIT // 2:
            break
        limit -= over + 16
    parts = [p if len(p) <= MESSAGE_LIMIT else truncate(p, MESSAGE_LIMIT) for p in parts]
    groups = pack_embeds(embeds)
    messages = [OutgoingMessage(content=p) for p in parts]
    if messages and groups:
        messages[-1] = OutgoingMessage(content=messages[-1].content, embeds=groups[0])
        groups = groups[1:]
    messages.extend(OutgoingMessage(embeds=g) for g in groups)
    return tuple(messages) or (OutgoingMessage(content=ELLIPSIS),)


def without_embeds(messages: Sequence[OutgoingMessage], lang: str) -> tuple[OutgoingMessage, ...]:
    """The same reply as plain text, for a channel where the bot may not embed links (Discord would silently drop
    the citations' embeds, leaving [n] markers that point at nothing)."""
    parts = [m.content for m in messages if m.content]
    for embed in (e for m in messages for e in m.embeds):
        lines = [f"**{embed.title}**"] if embed.title else []
        lines += [embed.description] if embed.description else []
        lines += [f"**{f.name}**\n{f.value}" for f in embed.fields]
        parts.append("\n".join(lines))
    return assemble("\n\n".join(parts), [], lang)


# --- answers -----------------------------------------------------------------------------------------------------


def _meta_line(source: str, agency: str, city: str, date: str) -> str:
    bits = [escape(b) for b in (source, agency, city) if b and b.strip()]
    if date:
        bits.append(escape(date))
    return " · ".join(bits)


def citation_field(c: Citation, lang: str) -> EmbedField:
    """One numbered citation: title, outlet/agency/date, the verbatim quote and a link when known."""
    title = escape(" ".join(c.title.split())) or escape(c.article_id)
    name = truncate(f"[{c.n}] {title}", FIELD_NAME_LIMIT - 1)
    lines = []
    meta = _meta_line(c.source, c.agency, c.city, c.date)
    if meta:
        lines.append(meta)
    if c.also_in:
        lines.append(f"{t('also_in', lang)}: " + ", ".join(escape(x) for x in c.also_in[:5]))
    url = safe_url(c.url)
    link = f"[{t('link', lang)}]({url})" if url else ""
    quote_text = " ".join(escape(c.shown).split())
    arabic = detect_language(c.quote) == "ar"  # the quote's own direction (an English quote in an Arabic answer)
    room = FIELD_VALUE_LIMIT - sum(len(x) + 1 for x in lines) - len(link) - 8
    while True:  # the direction marks count against the limit too, so the link is never the part cut off
        value = "\n".join([*lines, "> " + truncate(quote_text, max(room, 40)), *([link] if link else [])])
        value = rtl(value) if arabic else value
        if len(value) <= FIELD_VALUE_LIMIT or room <= 40:
            break
        room -= len(value) - FIELD_VALUE_LIMIT
    name = rtl(name) if arabic else name
    return EmbedField(name=truncate(name, FIELD_NAME_LIMIT), value=truncate(value, FIELD_VALUE_LIMIT))


def citation_embeds(citations: Sequence[Citation], title: str, lang: str) -> list[EmbedData]:
    return fields_to_embeds(title, [citation_field(c, lang) for c in citations])


def format_answer(answer: Answer, *, lang: str | None = None, question_echo: bool = False) -> Formatted:
    """Answer text with [n] markers, then an embed of numbered citations (or closest passages on abstention)."""
    lang = lang or answer.language or detect_language(answer.question)
    parts = []
    if question_echo:
        parts.append("> " + truncate(escape(clean_question(answer.question)), 300))
    if answer.abstained:  # one "not found" line: the service's own, in bold, else ours
        parts.append(f"**{escape(answer.text.strip()) or t('abstain', lang)}**")
    elif answer.text.strip():
        parts.append(escape(answer.text.strip()))
    # caveats the CLI shows too (a date window read from the question, a citation the LLM made up and we dropped)
    parts.extend(f"_⚠ {truncate(escape(w), 300)}_" for w in answer.warnings[:3])  # italics survive the RTL marks
    content = "\n".join(parts)
    if answer.citations:
        embeds = citation_embeds(answer.citations, t("sources_title", lang), lang)
    elif answer.abstained and answer.related:
        embeds = citation_embeds(answer.related[:5], t("related_title", lang), lang)
    else:
        embeds = []
    return Formatted(assemble(content, embeds, lang), language=lang)


def more_passages(answer: Answer, *, lang: str | None = None) -> Formatted:
    """What the "more passages" button shows: related passages not already cited."""
    lang = lang or answer.language or "en"
    shown = {(c.article_id, c.start, c.end) for c in answer.citations}
    if answer.abstained and not answer.citations:
        shown |= {(c.article_id, c.start, c.end) for c in answer.related[:5]}
    extra = [c for c in answer.related if (c.article_id, c.start, c.end) not in shown]
    if not extra:
        return Formatted((OutgoingMessage(content=directional(t("no_more", lang), lang)),), language=lang)
    return Formatted(assemble("", citation_embeds(extra, t("more_title", lang), lang), lang), language=lang)


def has_more_passages(answer: Answer) -> bool:
    shown = {(c.article_id, c.start, c.end) for c in answer.citations}
    if answer.abstained and not answer.citations:
        shown |= {(c.article_id, c.start, c.end) for c in answer.related[:5]}
    return any((c.article_id, c.start, c.end) not in shown for c in answer.related)


def refusal(key: str, lang: str, **values: object) -> Formatted:
    """A short user-facing message (cooldown, busy, errors) in the asker's language."""
    return Formatted((OutgoingMessage(content=directional(t(key, lang, **values), lang)),), language=lang)


# --- other commands ----------------------------------------------------------------------------------------------


def format_hits(hits: Sequence[Hit], lang: str) -> Formatted:
    if not hits:
        return refusal("no_hits", lang)
    fields = []
    for i, h in enumerate(hits, 1):
        title = escape(" ".join(h.title.split())) or escape(h.article_id)
        lines = [_meta_line(h.source, h.agency, h.city, h.date), f"id: {ltr(escape(h.article_id))}"]
        url = safe_url(h.url)
        if url:
            lines.append(f"[{t('link', lang)}]({url})")
        if h.passages:
            room = FIELD_VALUE_LIMIT - sum(len(x) + 1 for x in lines) - 8
            lines.insert(1, "> " + truncate(" ".join(escape(h.passages[0].text).split()), max(room, 40)))
        value = "\n".join(x for x in lines if x)
        name = f"{i}. {title}"
        if detect_language(h.title + (h.passages[0].text if h.passages else "")) == "ar":
            name, value = rtl(name), rtl(value)
        fields.append(EmbedField(truncate(name, FIELD_NAME_LIMIT), truncate(value, FIELD_VALUE_LIMIT)))
    return Formatted(assemble("", fields_to_embeds(t("search_title", lang), fields), lang), language=lang)


def format_article(article, lang: str, *, excerpt_chars: int = 1500) -> Formatted:
    """An article's metadata and a readable excerpt (`article` is a corpus.models.Article)."""
    body = escape(article.text.strip())
    excerpt = truncate(body, excerpt_chars)
    if detect_language(article.text[:500]) == "ar":
        excerpt = rtl(excerpt)
    title = truncate(escape(" ".join(article.title.split())) or escape(article.article_id), EMBED_TITLE_LIMIT)
    fields = tuple(
        EmbedField(name, truncate(value, FIELD_VALUE_LIMIT), inline=True)
        for name, value in (
            ("source", escape(article.source)),
            ("agency", escape(article.agency)),
            ("city", escape(article.city)),
            ("date", rtl(escape(article.date)) if lang == "ar" else escape(article.date)),
            ("id", ltr(escape(article.article_id))),
        )
        if value.strip(LRM).strip()
    )
    embed = EmbedData(title=title, description=excerpt, fields=fields, url=safe_url(article.url))
    return Formatted((OutgoingMessage(embeds=(embed,)),), language=lang)


def format_sources(sources: Mapping[str, int], lang: str) -> Formatted:
    lines = [f"{escape(name or '—')} — {count:,}" for name, count in sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))]
    text = "\n".join(lines) or "—"
    return Formatted(assemble("", text_to_embeds(t("sources_list_title", lang), text), lang), language=lang)


def format_stats(stats: Mapping[str, object], lang: str) -> Formatted:
    fields = []
    for key in ("articles", "chunks", "date_min", "date_max", "embedding_model"):
        if stats.get(key) not in (None, ""):
            fields.append(EmbedField(key, truncate(escape(str(stats[key])), FIELD_VALUE_LIMIT), inline=True))
    sources = stats.get("sources")
    if isinstance(sources, Mapping):
        fields.append(EmbedField("sources", str(len(sources)), inline=True))
    embed = EmbedData(title=t("stats_title", lang), fields=tuple(fields[:EMBED_FIELDS_LIMIT]))
    return Formatted((OutgoingMessage(embeds=(embed,)),), language=lang)


def format_help() -> Formatted:
    en, ar = t("help", "en"), rtl(t("help", "ar"))
    embeds = [
        EmbedData(title=t("help_title", "en"), description=en),
        EmbedData(title=rtl(t("help_title", "ar")), description=ar),
    ]
    return Formatted(assemble("", embeds, "en"), language="both")


def progress_text(progress: Mapping[str, object], lang: str) -> str:
    return t(
        "reindex_progress",
        lang,
        seen=progress.get("articles_seen", 0),
        added=progress.get("added", 0),
        updated=progress.get("updated", 0),
        failed=progress.get("failed", 0),
    )


def reindex_summary(summary: Mapping[str, object], lang: str) -> str:
    text = t(
        "reindex_done",
        lang,
        seconds=round(float(summary.get("seconds", 0) or 0), 1),
        seen=summary.get("articles_seen", 0),
        added=summary.get("added", 0),
        updated=summary.get("updated", 0),
        unchanged=summary.get("unchanged", 0),
        removed=summary.get("removed", 0),
        failed=summary.get("failed", 0),
        chunks=summary.get("chunks_added", 0),
    )
    errors = summary.get("errors") or []
    if isinstance(errors, list) and errors:
        shown = [f"• {escape(str(e.get('path', '?')))}: {escape(str(e.get('reason', '')))}" for e in errors[:5]]
        text += "\n" + "\n".join(shown) + (f"\n… (+{len(errors) - 5})" if len(errors) > 5 else "")
    return truncate(text, MESSAGE_LIMIT)


def thread_name(question: str) -> str:
    """A thread title from the question: one line, mention-proof, at most 100 characters."""
    name = neutralise_mentions(clean_question(question)) or "Khabar"
    return truncate(name, THREAD_NAME_LIMIT - 1)
