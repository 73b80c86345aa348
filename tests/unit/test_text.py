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
