"""Question formats in and out: Anki, Moodle XML, GIFT, CSV and Quizlet-style text.

Pure: no Flask, no database. Exporters take `portable.Question` values and return text or
bytes; parsers take text and return `portable.Parsed` (questions in the bank's raw answer
data, and what was skipped), or raise `portable.FormatError` listing every problem by line.
The services (`quiz/services/question_export.py`, `question_import.py`) load and write the database.
"""

FORMATS = ("apkg", "moodle-xml", "gift", "csv", "quizlet")
IMPORT_FORMATS = ("gift", "moodle-xml", "csv", "quizlet")
EXTENSIONS = {
    ".apkg": "apkg",
    ".xml": "moodle-xml",
    ".gift": "gift",
    ".txt": "quizlet",
    ".csv": "csv",
}
