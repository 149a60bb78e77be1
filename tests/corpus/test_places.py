from corpus.places import is_place


def test_cities_in_arabic_and_english_spellings():
    for name in ("جدة", "جده", "الرياض", "مكة المكرمة", "القاهرة", "لندن", "London", "Riyadh", "صنعاء", "بريدة"):
        assert is_place(name), name


def test_people_and_words_are_not_places():
    for name in ("محمد", "علي", "حسين هزازي", "عبدالرحمن التويجري", "رويترز", "المحليات", "", "  "):
        assert not is_place(name), name


def test_a_city_by_its_name_in_either_language():
    from corpus.normalize import name_key

    from corpus.places import city_names

    for name, other in (("Cairo", "القاهرة"), ("القاهره", "Cairo"), ("Riyadh", "الرياض"), ("Jiddah", "جدة"),
                        ("Makkah", "مكة"), ("Beijing", "بكين"), ("عدن", "Aden")):
        assert name_key(other) in city_names(name), (name, other)
    # only the city whose own name it is: GeoNames lists "Alexandria" among Mashhad's other names too
    assert name_key("مشهد") not in city_names("Alexandria") and name_key("الإسكندرية") in city_names("Alexandria")
    assert "cai" not in city_names("Cairo")  # an airport code is not a name to match datelines by
    assert city_names("Khabaropolis") == {name_key("Khabaropolis")} and city_names("  ") == frozenset()
