"""`quiz questions export|import`: questions out to Anki, Moodle, GIFT, CSV, Quizlet, and in."""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from quiz.db import db
from quiz.formats import FORMATS, IMPORT_FORMATS, guess_format
from quiz.models import User
from quiz.services import accounts, question_export, question_import


@click.group("questions", cls=AppGroup)
def questions() -> None:
    """Export questions to other apps, or import a file into an instructor's questions."""


def _user(email: str) -> User:
    found = db.session.scalar(select(User).where(User.email == accounts.normalize_email(email)))
    if found is None:
        click.echo(f"Error: no user with the e-mail {email}.", err=True)
        sys.exit(1)
    return found


@questions.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option("--source", help="A source's slug: its bank questions.")
@click.option("--topic", help="With --source: only this topic's questions.")
@click.option("--owner", help="An instructor's e-mail: their own questions.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), required=True, help="File to write."
)
def export_command(fmt: str, source: str | None, topic: str | None, owner: str | None, output: str):
    """Write the questions of a source (or one topic) or of an instructor to a file."""
    if bool(source) == bool(owner) or (topic and not source):
        click.echo("Error: give either --source (and maybe --topic) or --owner.", err=True)
        sys.exit(2)
    try:
        chosen = question_export.questions_of(
            source=source, topic=topic, owner=_user(owner) if owner else None
        )
    except LookupError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    result = question_export.export(fmt, chosen)
    Path(output).write_bytes(result.data)
    for left_out in result.not_exported:
        click.echo(f"Not exported (no {fmt} equivalent): {left_out}", err=True)
    click.echo(f"{result.count} exported to {output}, {len(result.not_exported)} not exported.")


@questions.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--owner", required=True, help="The instructor's e-mail.")
@click.option(
    "--format", "fmt", type=click.Choice(IMPORT_FORMATS), help="Default: from the extension."
)
@click.option("--topic", help="The topic for questions whose file names none.")
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
def import_command(file: str, owner: str, fmt: str | None, topic: str | None, dry_run: bool):
    """Import a file into an instructor's own questions: all of it, or nothing on any error."""
    path = Path(file)
    data = path.read_bytes()
    fmt = fmt or guess_format(path.name, data)
    if fmt not in IMPORT_FORMATS:
        click.echo(f"Error: cannot tell the format of {path.name}; give --format.", err=True)
        sys.exit(2)
    user = _user(owner)
    try:
        report = question_import.import_questions(
            user, path.name, data, fmt, dry_run=dry_run, topic_slug=topic
        )
    except question_import.ImportRefused as refused:
        for error in refused.errors:
            click.echo(error, err=True)
        click.echo("0 imported, nothing written.", err=True)
        sys.exit(1)
    for where, type_, title in report.imported:
        verb = "would import" if dry_run else "imported"
        click.echo(f"{path.name}:{where}: {verb} {type_} in {title}")
    for line in report.skipped:
        click.echo(line)
    if dry_run:
        click.echo("Dry run: nothing written.")
    click.echo(report.summary)
