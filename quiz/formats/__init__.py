"""Question formats in and out: Anki, Moodle XML, GIFT, CSV and Quizlet-style text.

Pure: no Flask, no database. Exporters take `portable.Question` values and return text or
bytes; parsers take text and return `portable.Parsed` (questions in the bank's raw answer
data, and what was skipped), or raise `portable.FormatError` listing every problem by line.
The services (`quiz/services/question_export.py`, `question_import.py`) load and write the
database.
"""

import re

FORMATS = ("apkg", "moodle-xml", "gift", "csv", "quizlet")
IMPORT_FORMATS = ("gift", "moodle-xml", "csv", "quizlet")
EXTENSIONS = {".xml": "moodle-xml", ".gift": "gift", ".csv": "csv"}
_GIFT_MARK = re.compile(r"^\s*(::|\$CATEGORY:)|[{}]", re.M)


def guess_format(filename: str, data: bytes) -> str | None:
    """Tell an import's format from its file name: .xml, .gift, .csv; a .txt (Moodle saves
    GIFT so, Quizlet its export too) is GIFT if it has a title, a category or a brace,
    otherwise Quizlet text. None when the name says nothing."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix == ".txt":
        return "gift" if _GIFT_MARK.search(data.decode("utf-8", "replace")) else "quizlet"
    return EXTENSIONS.get(suffix)
