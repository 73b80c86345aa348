"""Vietnamese ordering and normalisation."""

import unicodedata

from app.domain.text import nfc, vi_sort_key


def test_d_with_stroke_sorts_after_d():
    names = ["Đông Hà", "Dương Xá", "Ea Súp", "Cam Lộ"]
    assert sorted(names, key=vi_sort_key) == ["Cam Lộ", "Dương Xá", "Đông Hà", "Ea Súp"]


def test_vowels_with_marks_follow_the_alphabet():
    names = ["Ấp Bắc", "An Lão", "Ân Thi", "Ăn Sâu", "Bình An"]
    assert sorted(names, key=vi_sort_key) == ["An Lão", "Ăn Sâu", "Ân Thi", "Ấp Bắc", "Bình An"]


def test_tone_only_breaks_ties():
    assert sorted(["Bá", "Bà", "Ba", "Bả"], key=vi_sort_key) == ["Ba", "Bà", "Bả", "Bá"]


def test_syllables_are_compared_one_by_one():
    names = ["Xã Đồng Lạc", "Xã Đông Thành", "Xã Đồng Văn", "Xã Đông Xuân"]
    assert sorted(names, key=vi_sort_key) == [
        "Xã Đông Thành", "Xã Đông Xuân", "Xã Đồng Lạc", "Xã Đồng Văn",
    ]  # fmt: skip


def test_a_shorter_word_comes_first():
    assert sorted(["Anh Sơn", "An Lão"], key=vi_sort_key) == ["An Lão", "Anh Sơn"]


def test_decomposed_and_composed_text_sort_and_store_alike():
    decomposed = unicodedata.normalize("NFD", "Phường Đông Ba")
    assert nfc(decomposed) == "Phường Đông Ba"
    assert vi_sort_key(decomposed) == vi_sort_key("Phường Đông Ba")


def test_account_names_are_kept_composed_however_they_are_set():
    from app.models import AppUser

    decomposed = {f: unicodedata.normalize("NFD", v) for f, v in [
        ("first_name", " Văn Thử "), ("last_name", "Nguyễn"),
        ("username", "thử.nguyễn"), ("email", "thử@songlam.gov.vn"),
    ]}  # fmt: skip
    user = AppUser(**decomposed)
    assert (user.first_name, user.last_name) == ("Văn Thử", "Nguyễn")
    assert (user.username, user.email) == ("thử.nguyễn", "thử@songlam.gov.vn")
    user.last_name = unicodedata.normalize("NFD", "Đặng")  # an edit, after creation
    assert user.last_name == "Đặng" and unicodedata.is_normalized("NFC", user.last_name)
    user.email = None
    assert user.email is None
