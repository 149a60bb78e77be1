import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.dateline import parse_byline_field, parse_dateline


def test_seed_article_dateline(seed_path):
    text = seed_path.read_text(encoding="utf-8")
    d = parse_dateline(text)
    assert (d.city, d.date, d.agency) == ("بكين", "2020-12-31", "شينخوا")
    assert text[d.end :].startswith("قال الرئيس الصيني")


@pytest.mark.parametrize(
    "text, city, date, agency, body",
    [
        ("القاهرة 5 كانون الأول 2020 (رويترز) قال", "القاهرة", "2020-12-05", "رويترز", "قال"),
        ("بكين ٣١ ديسمبر ٢٠٢٠ (شينخوا) قال", "بكين", "2020-12-31", "شينخوا", "قال"),
        ("بكين، 31 ديسمبر 2020 (شينخوا) -- قال", "بكين", "2020-12-31", "شينخوا", "قال"),
        ("دمشق 1 آذار 2019 (سانا) - أعلن", "دمشق", "2019-03-01", "سانا", "أعلن"),
        ("عمان 14 تشرين الثاني 2018 (بترا) نص", "عمان", "2018-11-14", "بترا", "نص"),
        ("القاهرة 2 يونيه 2017 (أ ش أ) نص", "القاهرة", "2017-06-02", "أ ش أ", "نص"),
        ("الرياض 9 ابريل 2016 (واس) نص", "الرياض", "2016-04-09", "واس", "نص"),
        ("بيروت 3 أيلول/سبتمبر 2015 (أ ف ب) نص", "بيروت", "2015-09-03", "أ ف ب", "نص"),
        ("الرياض - واس\nأعلن", "الرياض", "", "واس", "\nأعلن"),
        ("الرياض - واس أعلن", "الرياض", "", "واس", "أعلن"),
        ("عمّان - بترا: قال", "عمّان", "", "بترا", "قال"),  # a shadda inside the city name
        ("واس- مكة المكرمة: ساهمت", "مكة المكرمة", "", "واس", "ساهمت"),
        ("رويترز- بنغازي (ليبيا): قال", "بنغازي", "", "رويترز", "قال"),
        ("CAIRO, Dec 5, 2020 (Reuters) - Egypt", "CAIRO", "2020-12-05", "Reuters", "Egypt"),
        ("LONDON (Reuters) - UK", "LONDON", "", "Reuters", "UK"),
    ],
)
def test_dateline_forms(text, city, date, agency, body):
    d = parse_dateline(text)
    assert d is not None, text
    assert (d.city, d.date, d.agency) == (city, date, agency)
    assert text[d.end :].startswith(body)


def test_english_dateline_without_year_keeps_month_and_day_or_uses_the_given_year():
    text = "BEIJING, Dec. 31 (Xinhua) -- Chinese President Xi Jinping said"
    d = parse_dateline(text)
    assert (d.city, d.agency, d.date, d.extra) == ("BEIJING", "Xinhua", "", {"month": 12, "day": 31})
    assert text[d.end :].startswith("Chinese")
    assert parse_dateline(text, year=2020).date == "2020-12-31"


def test_country_in_parentheses_goes_to_extra():
    assert parse_dateline("رويترز - بنغازي (ليبيا): قال").extra == {"country": "ليبيا"}


@pytest.mark.parametrize(
    "text",
    [
        "في 31 ديسمبر 2020 قال الرئيس",
        "قال الرئيس الصيني شي جين بينغ اليوم (الخميس)، إنه مستعد",
        "وصل آشتون كارتر (الخميس) إلى بغداد",
        "Apple (AAPL) stock rose",
        "شهدت أسواقنا المحلية حركة نشطة",
        "تنوي شركة فولكس فاغن الألمانية إطلاق فئة",
        "يلتقي فريق الهلال يوم 31 يوليو (تموز) الحالي",
        "بروفايل سبق – محمد عطيف: الليلة الثانية",  # not the outlet itself
        "قال سبق - الرياض: نعم",
        "الهلال - النصر: مباراة الموسم",  # no outlet, no agency: two teams, not a byline
        "الخليج - إيران\nتصعيد جديد",  # a headline: الخليج is a word before it is an outlet
        "بكين 31 فبراير 2020 (شينخوا) تاريخ غير موجود",
        "",
        "   ",
    ],
)
def test_prose_is_not_a_dateline(text):
    assert parse_dateline(text) is None


@pytest.mark.parametrize(
    "text, city, agency, extra, body",
    [
        ("سبق- الرياض: قال", "الرياض", "", {"outlet": "سبق"}, "قال"),
        ("عبدالله البرقاوي- سبق- الرياض: هنأ", "الرياض", "", {"outlet": "سبق", "reporter": "عبدالله البرقاوي"}, "هنأ"),
        ("سعود الدعجاني– سبق– مكة المكرّمة: ناشد", "مكة المكرّمة", "", {"outlet": "سبق", "reporter": "سعود الدعجاني"},
         "ناشد"),
        ("عين اليوم – جدة\nتستعد", "جدة", "", {"outlet": "عين اليوم"}, "\nتستعد"),
        ("عين اليوم – واس\nتشرف", "", "واس", {"outlet": "عين اليوم"}, "\nتشرف"),  # the outlet is no city
        ("عمر إبراهيم - عين اليوم\nقال", "", "", {"outlet": "عين اليوم", "reporter": "عمر إبراهيم"}, "\nقال"),
        ("سبق - وكالات: فجر", "", "", {"outlet": "سبق"}, "فجر"),
        ("عين اليوم – الجمعة\nحذر", "", "", {"outlet": "عين اليوم"}, "\nحذر"),
        ("سبق- الزلفي- (تصوير: عبدالله المطوع): كرّم", "الزلفي", "", {"outlet": "سبق"}, "كرّم"),
        ("عواصم العالم - رويترز\nيفرض", "", "رويترز", {}, "\nيفرض"),
        ("عين اليوم ـ واس\nنص", "", "واس", {"outlet": "عين اليوم"}, "\nنص"),  # a tatweel dash
        ("سبق- أبهــا: نص", "أبهــا", "", {"outlet": "سبق"}, "نص"),  # ...and a tatweel inside a word
        ("الوئام - القاهرة (أ ف ب): قال", "القاهرة", "أ ف ب", {"outlet": "الوئام"}, "قال"),
        ("عين اليوم – نيويورك/لندن\nنص", "نيويورك", "", {"outlet": "عين اليوم"}, "\nنص"),
        ("عين اليوم – مكة المكرمة / المدينة المنورة\nنص", "مكة المكرمة", "", {"outlet": "عين اليوم"}, "\nنص"),
    ],
)
def test_outlet_bylines(text, city, agency, extra, body):
    d = parse_dateline(text)
    assert d is not None, text
    assert (d.city, d.agency, d.extra) == (city, agency, extra)
    assert text[d.end :].startswith(body)


@pytest.mark.parametrize(
    "text, city, date, agency",
    [
        ("الخميس 31 ديسمبر 2020 (شينخوا) قال", "", "2020-12-31", "شينخوا"),  # a weekday is no place; the date stays
        ("متابعات 5 يناير 2015 (واس): قال", "", "2015-01-05", "واس"),
        ("الجمعة 3 يوليو 2015:\nقال", "", "2015-07-03", ""),
        ("سبق (واس): قال", "", "", "واس"),  # the outlet is no city
        ("سبق- مكة المكرمة 5 يناير 2015: قال", "مكة المكرمة", "2015-01-05", ""),
    ],
)
def test_no_place_keeps_the_rest_of_the_dateline(text, city, date, agency):
    d = parse_dateline(text)
    assert (d.city, d.date, d.agency) == (city, date, agency)


@pytest.mark.parametrize(
    "field, city, agency",
    [  # forms from SaudiNewsNet's author field, outlet by outlet
        ("لندن: رنيم حنوش", "لندن", ""),  # PLACE: reporter
        ("جنيف : (رويترز)", "جنيف", "رويترز"),
        ("حسين هزازي (جدة)", "جدة", ""),  # reporter (PLACE)
        ("&nbsp;واس (بيشة، الجوف)", "بيشة", "واس"),
        ("عرعر (شمال السعودية): «الشرق الأوسط»", "عرعر", ""),  # PLACE (region): outlet
        ("واس - الرياض", "الرياض", "واس"),
        ("الرياض - واس", "الرياض", "واس"),
        ("بريدة - عبدالرحمن التويجري:", "بريدة", ""),  # PLACE - reporter, known as a place
        ("محمد عليان - ينبع", "ينبع", ""),  # reporter - PLACE
        ("علي ضباح ـ الحد الجنوبي", "", ""),  # neither is known: nothing rather than a guess
        ("واس - السيح", "السيح", "واس"),  # one word beside an agency
        ("نيويورك - د. ب. أ", "نيويورك", "د. ب. أ"),
        ("المدينة - جدة", "جدة", ""),  # the outlet Al-Madina, then the place
        ("لندن - الرياضية | Tuesday, 11 August 2015 - 16:1", "لندن", ""),
        ("عبدالله البرقاوي- سبق- الرياض:", "الرياض", ""),
        ("الرياض : (د ب ا)", "الرياض", "د ب ا"),  # dpa with a bare alef
        ("خالد السويلمي ـ سبق ـ عرعر:", "عرعر", ""),  # tatweel dashes: the reporter is not the place
        ("سبق &ndash; أبها:", "أبها", ""),  # HTML entities
        ("\u200fواس - جدة\u200f", "جدة", "واس"),  # bidi marks stay out of stored values
    ],
)
def test_byline_fields(field, city, agency):
    d = parse_byline_field(field)
    assert (d.city, d.agency) == (city, agency) if (city or agency) else d is None


@pytest.mark.parametrize("field", ["إبراهيم بن محمد المهيلب", "الجزيرة - أحمد القرني:", "Tuesday, 02 June 2015 - 21:42 pm",
                                   "حاوره :نصير المغامسي", "", "محمد شنوان العنزي", "Khalid Zaid (زائر)", "عكاظ (خاص)",
                                   "خالد العبيوي :", "الوئام - bbc", "سعيد الغامدي - أمل", "قراءة - يوليو"])
def test_byline_fields_naming_no_place(field):
    assert parse_byline_field(field) is None


def test_saudinewsnet_datelines_are_plausible(snn_articles):
    found = [a for a in snn_articles if a.city or a.agency]
    assert len(found) >= 500, "SaudiNewsNet has datelines (`واس- الرياض:`) and bylines (`سبق- جدة:`, `لندن: رنيم حنوش`)"
    assert not any(a.city in ("سبق", "عين اليوم") for a in found), "an outlet naming itself is not a city"
    for a in found:
        assert len(a.city.split()) <= 3 and not any(ch.isdigit() for ch in a.city)
        assert (a.city in a.text[:120] and a.agency in a.text[:120]) or (a.city in a.author and a.agency in a.author)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_no_exception_and_end_within_text(text):
    d = parse_dateline(text)
    if d is not None:
        assert 0 < d.end <= len(text)
        assert d.city or d.agency or d.date or d.extra


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["بكين", "القاهرة", "الرياض", "دمشق"]),
    st.integers(1, 28),
    st.sampled_from(["ديسمبر", "كانون الأول", "يناير", "شباط", "أغسطس", "آب"]),
    st.integers(1990, 2030),
    st.sampled_from(["شينخوا", "رويترز", "واس"]),
    st.booleans(),
    st.sampled_from([" ", "، ", " - "]),
)
def test_generated_datelines_parse(city, day, month, year, agency, indic, sep):
    digits = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩") if indic else None
    date_text = f"{day} {month} {year}"
    if digits:
        date_text = date_text.translate(digits)
    d = parse_dateline(f"{city}{sep}{date_text} ({agency}) نص الخبر")
    months = {"ديسمبر": 12, "كانون الأول": 12, "يناير": 1, "شباط": 2, "أغسطس": 8, "آب": 8}
    assert (d.city, d.agency, d.date) == (city, agency, f"{year:04d}-{months[month]:02d}-{day:02d}")
