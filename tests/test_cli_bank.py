import shutil
from pathlib import Path

from sqlalchemy import func, select

from quiz.cli import main
from quiz.db import db
from quiz.models import Question

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "second-source"


def test_validate_passes_on_the_real_bank(runner):
    result = runner.invoke(main, ["bank", "validate"])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("items in 1 sources: OK\n")


def test_validate_reports_every_error_and_exits_1(runner, tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "fx")
    topic = tmp_path / "fx" / "bank" / "lighthouse" / "history.toml"
    topic.write_text(
        topic.read_text()
        .replace("answer = 1851", 'answer = "eighteen fifty-one"')
        .replace("kept a log of every ship", "kept a diary of every ship")
    )
    result = runner.invoke(main, ["bank", "validate", str(tmp_path / "fx" / "bank")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert f"{topic}: first-lit-year: answer: must be a number" in lines[0]
    assert f"{topic}: first-keeper: source.quote: not found in lighthouse.txt" in lines[1]
    assert lines[-1] == "2 errors"


def test_stats_counts_per_topic_kind_type_and_difficulty(runner):
    result = runner.invoke(main, ["bank", "stats", str(FIXTURE / "bank")])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "lighthouse: 3 items in 1 topic",
        "  by topic:",
        "    history     3",
        "  by kind:",
        "    event            2",
        "    person           1",
        "    position         0",
        "    organization     0",
        "    concept          0",
        "  by type:",
        "    mcq            1",
        "    multi          0",
        "    true_false     0",
        "    short          1",
        "    numeric        1",
        "    matching       0",
        "    ordering       0",
        "    cloze          0",
        "  by difficulty:",
        "    1     2",
        "    2     1",
        "    3     0",
        "  free-recall items on positions (short or numeric): 0",
        "  items on the endnotes: 0",
    ]


def test_stats_on_a_broken_bank_names_the_errors_and_exits_1(runner, tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "fx")
    topic = tmp_path / "fx" / "bank" / "lighthouse" / "history.toml"
    topic.write_text(topic.read_text().replace('type = "mcq"', 'type = "essay"'))
    result = runner.invoke(main, ["bank", "stats", str(tmp_path / "fx" / "bank")])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "lighthouse: 2 items in 1 topic"
    assert result.stderr.splitlines() == [
        f"{topic}: builder: type: unknown type 'essay' (expected one of: mcq, multi, true_false,"
        " short, numeric, matching, ordering, cloze)",
        "Incomplete counts: 1 error (broken items left out).",
    ]


def test_load_prints_the_counts_and_is_idempotent(app, runner):
    first = runner.invoke(main, ["bank", "load"])
    assert first.exit_code == 0, first.output
    added = int(first.output.split()[0])
    assert first.output == f"{added} added, 0 updated, 0 archived\n"
    assert runner.invoke(main, ["bank", "load"]).output == "0 added, 0 updated, 0 archived\n"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Question)) == added


def test_load_refuses_a_broken_bank_and_writes_nothing(app, runner, tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "fx")
    topic = tmp_path / "fx" / "bank" / "lighthouse" / "history.toml"
    topic.write_text(topic.read_text().replace('type = "mcq"', 'type = "essay"'))
    result = runner.invoke(main, ["bank", "load", str(tmp_path / "fx" / "bank")])
    assert result.exit_code == 1
    assert "builder: type: unknown type 'essay'" in result.output
    assert "Not loaded: 1 error (nothing was changed)." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Question)) == 0
