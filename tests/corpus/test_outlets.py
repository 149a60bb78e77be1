from corpus.outlets import outlet_id, source_key


def test_an_outlet_by_its_id_or_either_display_name():
    assert source_key("okaz") == source_key("Okaz") == source_key("عكاظ") == source_key(" OKAZ ")
    assert source_key("Asharq Al-Awsat") == source_key("الشرق الأوسط") == source_key("aawsat")
    assert source_key("some-blog") == "someblog" != source_key("okaz")


def test_a_byline_outlet_becomes_its_source_id():
    assert (outlet_id("سبق"), outlet_id("عين اليوم"), outlet_id("الأهرام"), outlet_id("")) == (
        "sabq", "3alyoum", "الأهرام", "")
