"""An import's format told from its file's name (and, for .txt, its text)."""

import pytest

from quiz.formats import guess_format


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("bank.xml", "<quiz/>", "moodle-xml"),
        ("bank.GIFT", "::t::q{T}", "gift"),
        ("bank.csv", "type,prompt,answers", "csv"),
        ("moodle-export.txt", "// from Moodle\n::t::Is it?{T}", "gift"),
        ("moodle-export.txt", "$CATEGORY: a/b\n\nIs it?{T}", "gift"),
        ("quizlet.txt", "Brussels\tThe capital of Belgium\n", "quizlet"),
        ("notes.md", "anything", None),
        ("no-extension", "anything", None),
    ],
)
def test_format_from_the_name_and_for_txt_the_text(name, text, expected):
    assert guess_format(name, text.encode()) == expected
