from corpus.clean import clean_text, derive_title


def test_seed_furniture_is_removed_and_text_kept(seed_path):
    raw = seed_path.read_text(encoding="utf-8")
    text = clean_text(raw)
    assert "مشاركة" not in text
    assert text.endswith("خلال العام الجديد.")
    assert text == raw[: raw.rindex("\n")].strip()


def test_share_lines_read_also_lines_and_spaces():
    raw = "العنوان الأول.\r\nاقرأ أيضا: خبر آخر\n\n\n\nنص   الخبر\tهنا الذي شارك.\nShare:\n  شارك  \n"
    assert clean_text(raw) == "العنوان الأول.\n\nنص الخبر هنا الذي شارك."


def test_outlet_boilerplate_at_the_edges():
    assert clean_text("Next Previous الرياض – واس\nنص.") == "الرياض – واس\nنص."
    assert clean_text("شارك من خلال تويتر فيسبوك جوجل بلس اكتب رأيك أكد الوزير أن.") == "أكد الوزير أن."
    assert clean_text("نص المقال.\n\nللتواصل مع الكاتب ارسل رسالة SMS\nتبدأ بالرمز (41)\n737221 - Zain") == "نص المقال."
    assert clean_text("نص الخبر. سمات البرازيل عاملة نظافة") == "نص الخبر."
    assert clean_text("نص الخبر.\n\n ...المزيد") == "نص الخبر."
    assert clean_text("انتهى الخبر. مشاركة :") == "انتهى الخبر."


def test_verbs_that_look_like_furniture_stay():
    assert clean_text("وكان الوزير قد شارك") == "وكان الوزير قد شارك"
    assert clean_text("مشاركة المرأة في الانتخابات.") == "مشاركة المرأة في الانتخابات."


def test_controls_and_bidi_overrides_are_removed():
    assert clean_text("نص\x00 \u202eمقلوب\u202c\x07") == "نص مقلوب"


def test_derive_title_first_sentence_bounded_at_a_word():
    assert derive_title("خبر قصير. وجملة ثانية.") == "خبر قصير"
    long = "كلمة " * 60
    title = derive_title(long)
    assert title.endswith("…") and len(title) <= 101 and not title[:-1].endswith(" ")
    assert set(title[:-1].split()) == {"كلمة"}
    assert derive_title("") == ""
    assert len(derive_title("x" * 500)) <= 101
