from corpus.places import is_place


def test_cities_in_arabic_and_english_spellings():
    for name in ("جدة", "جده", "الرياض", "مكة المكرمة", "القاهرة", "لندن", "London", "Riyadh", "صنعاء", "بريدة"):
        assert is_place(name), name


def test_people_and_words_are_not_places():
    for name in ("محمد", "علي", "حسين هزازي", "عبدالرحمن التويجري", "رويترز", "المحليات", "", "  "):
        assert not is_place(name), name
