from retrieval.answering.phrasing import source_label


def test_an_outlet_is_named_in_the_readers_language():
    assert source_label("ar", "okaz", "", "", "2015-07-23") == "عكاظ (2015-07-23)"
    assert source_label("en", "arriyadiyah", "", "", "") == "Arriyadiyah"
    assert source_label("en", "", "Reuters", "Title", "") == "Reuters"


def test_a_title_label_is_cut_between_words():
    title = "أعلنت أمانة محافظة جدة عن افتتاح الطريق الجديد بطول 12 كيلومترا في شمال المحافظة اليوم"
    label = source_label("ar", "", "", title, "")
    assert label.endswith("…»") and "بطول 12 " in label and "بطول 1…" not in label and len(label) <= 84
