"""Every user-facing bot string, in English and Arabic, picked by the question's language."""

from __future__ import annotations

RLM = "\u200f"

_TEXTS: dict[str, dict[str, str]] = {
    "empty": {
        "en": "Please include a question, e.g. `/ask question: who met Putin?`",
        "ar": "من فضلك اكتب سؤالًا، مثل: ‎/ask‎ ماذا قال شي جين بينغ؟",
    },
    "too_long": {
        "en": "That question is too long ({n} characters; the limit is {limit}). Please shorten it.",
        "ar": "السؤال طويل جدًا ({n} حرفًا، والحد الأقصى {limit}). من فضلك اختصره.",
    },
    "bad_question": {
        "en": "I can't search for that: {reason}",
        "ar": "لا أستطيع البحث عن ذلك: {reason}",
    },
    "cooldown": {
        "en": "You're asking a bit fast — please wait {s} s and try again.",
        "ar": "أنت تسأل بسرعة — انتظر {s} ثانية ثم حاول مرة أخرى.",
    },
    "busy": {
        "en": "I'm answering several questions right now — please try again in a moment.",
        "ar": "أجيب عن عدة أسئلة الآن — حاول مرة أخرى بعد لحظات.",
    },
    "error": {
        "en": "Something went wrong while answering. The details were logged for the admins.",
        "ar": "حدث خطأ أثناء الإجابة. سُجّلت التفاصيل للمشرفين.",
    },
    "not_ready": {
        "en": "Khabar isn't ready to answer right now ({kind}). An admin can check `khabar doctor`.",
        "ar": "خبر غير جاهز للإجابة الآن ({kind}). يمكن للمشرف تشغيل ‎khabar doctor‎.",
    },
    "abstain": {
        "en": "I couldn't find a well-supported answer in the indexed news.",
        "ar": "لم أجد إجابة موثّقة بما يكفي في الأخبار المفهرسة.",
    },
    "sources_title": {"en": "Sources", "ar": "المصادر"},
    "related_title": {"en": "Closest passages", "ar": "أقرب المقاطع"},
    "more_title": {"en": "More passages", "ar": "مقاطع إضافية"},
    "no_more": {"en": "There are no further passages for this answer.", "ar": "لا توجد مقاطع إضافية لهذه الإجابة."},
    "link": {"en": "link", "ar": "الرابط"},
    "also_in": {"en": "Also in", "ar": "ورد أيضًا في"},
    "button_more": {"en": "More passages", "ar": "مقاطع إضافية"},
    "thanks": {"en": "Thanks for the feedback!", "ar": "شكرًا على ملاحظتك!"},
    "voted_already": {"en": "Your feedback on this answer is already recorded — thanks!",
                      "ar": "ملاحظتك على هذه الإجابة مسجّلة بالفعل — شكرًا!"},
    "buttons_expired": {
        "en": "These buttons have expired: an answer keeps them for an hour, and not across a restart of the bot. "
              "Ask again for fresh ones.",
        "ar": "انتهت صلاحية هذه الأزرار: تبقى مع الإجابة ساعة واحدة، ولا تبقى بعد إعادة تشغيل البوت. "
              "اسأل مرة أخرى لتحصل على أزرار جديدة.",
    },
    "bad_date": {
        "en": "`{field}` must be a date like 2020-12-31 (got “{value}”).",
        "ar": "يجب أن يكون ‎{field}‎ تاريخًا مثل ‎2020-12-31‎ (القيمة: «{value}»).",
    },
    "bad_range": {
        "en": "`since` must not be after `until`.",
        "ar": "يجب ألا يكون تاريخ البداية بعد تاريخ النهاية.",
    },
    "not_here": {
        "en": "I only answer in the channels an admin allowed.",
        "ar": "أجيب فقط في القنوات التي سمح بها المشرف.",
    },
    "not_admin": {
        "en": "Only server admins (Manage Server{role}) can run /reindex.",
        "ar": "يمكن لمشرفي الخادم فقط (إدارة الخادم{role}) تشغيل ‎/reindex‎.",
    },
    "reindex_busy": {"en": "A reindex is already running.", "ar": "إعادة الفهرسة جارية بالفعل."},
    "reindex_start": {"en": "Reindexing started…", "ar": "بدأت إعادة الفهرسة…"},
    "reindex_failed": {"en": "Reindex failed: {reason}", "ar": "تعذّرت إعادة الفهرسة: ‎{reason}‎"},
    "reindex_progress": {
        "en": "Reindexing… {seen} articles seen ({added} added, {updated} updated, {failed} failed).",
        "ar": "إعادة الفهرسة جارية… {seen} مقالًا (أضيف {added}، حُدّث {updated}، فشل {failed}).",
    },
    "reindex_done": {
        "en": "Reindex finished in {seconds} s: {seen} seen, {added} added, {updated} updated, "
        "{unchanged} unchanged, {removed} removed, {failed} failed, {chunks} chunks added.",
        "ar": "انتهت إعادة الفهرسة خلال {seconds} ثانية: {seen} مقالًا، أضيف {added}، حُدّث {updated}، "
        "لم يتغير {unchanged}، حُذف {removed}، فشل {failed}، وأضيف {chunks} مقطعًا.",
    },
    "article_missing": {"en": "No indexed article has the id `{id}`.", "ar": "لا توجد مقالة مفهرسة بالمعرّف ‎{id}‎."},
    "no_hits": {"en": "No matching articles.", "ar": "لا توجد مقالات مطابقة."},
    "search_title": {"en": "Search results", "ar": "نتائج البحث"},
    "sources_list_title": {"en": "Indexed outlets", "ar": "المصادر المفهرسة"},
    "stats_title": {"en": "Index statistics", "ar": "إحصاءات الفهرس"},
    "help_title": {"en": "Khabar — cited answers from the news", "ar": "خبر — إجابات موثّقة من الأخبار"},
    "help": {
        "en": (
            "Ask about the indexed news and I answer with numbered, verbatim quotes [n] from the articles.\n"
            "• `/ask question` — answer with citations (`source`, `since`, `until` filter; `public` shows it to everyone)\n"
            "• `/search query` — matching articles and passages\n"
            "• `/article id` — an article's details and an excerpt\n"
            "• `/sources`, `/stats` — what is indexed\n"
            "• Mention me in a channel and I answer in a thread; reply in that thread for follow-ups. DMs work too.\n"
            "• 👍/👎 under an answer helps improve Khabar."
        ),
        "ar": (
            "اسأل عن الأخبار المفهرسة وسأجيب باقتباسات حرفية مرقّمة [n] من المقالات.\n"
            "• ‎/ask‎ — إجابة مع المصادر (يمكن التصفية بالمصدر والتاريخ، و‎public‎ يعرضها للجميع)\n"
            "• ‎/search‎ — المقالات والمقاطع المطابقة\n"
            "• ‎/article‎ — تفاصيل مقالة ومقتطف منها\n"
            "• ‎/sources‎ و‎/stats‎ — ما هو مفهرس\n"
            "• اذكرني في قناة وسأجيب في سلسلة محادثة؛ تابع أسئلتك فيها. الرسائل الخاصة تعمل أيضًا.\n"
            "• زرّا 👍/👎 تحت الإجابة يساعدان على تحسين خبر."
        ),
    },
}


def t(key: str, lang: str, **values: object) -> str:
    """The message `key` in `lang` ("ar", "en", or "both" for commands without a question)."""
    entry = _TEXTS[key]
    if lang == "both":
        return entry["en"].format(**values) + "\n" + RLM + entry["ar"].format(**values)
    return entry["ar" if lang == "ar" else "en"].format(**values)


def keys() -> frozenset[str]:
    return frozenset(_TEXTS)
