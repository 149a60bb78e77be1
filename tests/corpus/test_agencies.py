from corpus.agencies import AGENCY_GROUPS, agency_key, name_key
from corpus.dateline import parse_dateline


def test_every_name_of_an_agency_has_one_key():
    assert agency_key("Reuters") == agency_key("رويترز") == agency_key(" REUTERS ")
    assert agency_key("أ.ف.ب") == agency_key("ا ف ب") == agency_key("فرانس برس") == agency_key("AFP")
    assert agency_key("Xinhua") == agency_key("شينخوا") != agency_key("Reuters")
    assert agency_key("Some Local Wire") == name_key("some-local wire")  # unknown: its own name, typed loosely
    assert len({agency_key(g[0]) for g in AGENCY_GROUPS}) == len(AGENCY_GROUPS)


def test_every_grouped_name_is_read_in_a_dateline():
    for group in AGENCY_GROUPS:
        for name in group:
            d = parse_dateline(f"القاهرة - {name}: نص الخبر")
            assert d is not None and d.agency == name, name
