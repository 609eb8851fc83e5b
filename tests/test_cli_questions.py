"""`quiz questions export|import` from the command line."""

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quiz.cli import main
from quiz.db import db
from quiz.formats import FORMATS
from quiz.models import Question, Role
from tests.conftest import make_article, make_source, make_user

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Question))


@pytest.fixture
def instructor(app):
    make_article(app)
    return make_user(app, email="prof@example.org", role=Role.INSTRUCTOR)


def test_import_takes_the_format_from_the_extension_and_ends_with_the_counts(
    app, runner, instructor
):
    result = runner.invoke(
        main,
        [
            "questions",
            "import",
            str(FIXTURES / "every-feature.gift"),
            "--owner",
            "prof@example.org",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "every-feature.gift:6: imported true_false in First things"
    assert "every-feature.gift:58: skipped an essay: nothing here grades free writing" in lines
    assert lines[-1] == "16 imported, 2 skipped"
    assert count(app) == 16


def test_dry_run_writes_nothing(app, runner, instructor):
    path = str(FIXTURES / "every-type.xml")
    result = runner.invoke(
        main, ["questions", "import", path, "--owner", "prof@example.org", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-2:] == ["Dry run: nothing written.", "8 imported, 3 skipped"]
    assert count(app) == 0


def test_a_broken_file_exits_1_with_each_error_and_writes_nothing(app, runner, instructor):
    for name in ["broken.gift", "broken.xml", "xxe.xml", "billion-laughs.xml"]:
        result = runner.invoke(
            main, ["questions", "import", str(FIXTURES / name), "--owner", "prof@example.org"]
        )
        assert result.exit_code == 1
        errors = result.stderr.splitlines()
        assert errors[-1] == "0 imported, nothing written."
        assert errors[0].startswith(f"{name}:")
    assert count(app) == 0


def test_export_writes_every_format_of_an_instructors_questions(app, runner, instructor, tmp_path):
    runner.invoke(
        main,
        ["questions", "import", str(FIXTURES / "every-type.xml"), "--owner", "prof@example.org"],
    )
    for fmt in FORMATS:
        out = tmp_path / f"mine.{fmt}"
        result = runner.invoke(
            main,
            ["questions", "export", "--format", fmt, "--owner", "prof@example.org", "-o", str(out)],
        )
        assert result.exit_code == 0, result.output
        if fmt == "gift":
            assert result.stdout == f"6 exported to {out}, 2 not exported.\n"
            left_out = result.stderr.splitlines()
            assert [line.rsplit(" ", 1)[1] for line in left_out] == ["(ordering)", "(cloze)"]
            assert left_out[0].startswith("Not exported (no gift equivalent): author/")
        else:
            assert result.stdout == f"8 exported to {out}, 0 not exported.\n"
        assert out.stat().st_size > 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "mine.csv").read_text())))
    assert [row["type"] for row in rows][:3] == ["mcq", "multi", "true_false"]
    quizlet = (tmp_path / "mine.quizlet").read_text().splitlines()
    assert quizlet[0] == "Where was the treaty signed?\tBrussels"


def test_export_of_a_source_or_topic(app, runner, tmp_path):
    make_source(app, questions=3, slug="deck")
    out = tmp_path / "deck.txt"
    args = ["questions", "export", "--format", "quizlet", "--source", "deck", "-o", str(out)]
    assert runner.invoke(main, args).stdout == f"3 exported to {out}, 0 not exported.\n"
    assert out.read_text().splitlines()[0] == "Question 0?\tRight"
    topic = runner.invoke(main, [*args, "--topic", "all"])
    assert topic.exit_code == 0
    missing = runner.invoke(main, [*args, "--topic", "nope"])
    assert (missing.exit_code, missing.stderr) == (1, "Error: topic: 'deck' has no topic 'nope'.\n")


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "csv", "-o", "x.csv"],
        ["--format", "csv", "--source", "deck", "--owner", "a@b.org", "-o", "x.csv"],
        ["--format", "csv", "--topic", "all", "--owner", "a@b.org", "-o", "x.csv"],
    ],
)
def test_export_needs_either_a_source_or_an_owner(runner, args):
    result = runner.invoke(main, ["questions", "export", *args])
    assert result.exit_code == 2
    assert result.stderr == "Error: give either --source (and maybe --topic) or --owner.\n"


def test_a_txt_file_of_quizlet_cards_is_read_as_quizlet(app, runner, instructor, tmp_path):
    cards = tmp_path / "cards.txt"
    cards.write_text("Brussels\tThe capital of Belgium\n")
    args = ["questions", "import", str(cards), "--owner", "prof@example.org"]
    result = runner.invoke(main, [*args, "--topic", "first-things"])
    assert result.stdout.splitlines() == [
        "cards.txt:1: imported short in First things",
        "1 imported, 0 skipped",
    ]
