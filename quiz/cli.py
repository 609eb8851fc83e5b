"""The `quiz` command line: the project's commands over create_app.

Not Flask's FlaskGroup: that one offers `run` (the development server), `shell`, `routes`
and the generic -e/-A/--debug options, and loads the app just to print --help. The server
is gunicorn with gunicorn.conf.py (`make run`).
"""

import secrets
import sys
from pathlib import Path

import click
from flask.cli import AppGroup, ScriptInfo
from flask_migrate.cli import db as db_commands
from sqlalchemy import select

from quiz import create_app, mail
from quiz.bank.reader import SOURCE_FILE
from quiz.bank.stats import bank_stats
from quiz.bank.validate import check, count_errors, default_seeds_dir
from quiz.bank.validate import main as validate_main
from quiz.config import ROOT, instance_path
from quiz.db import db
from quiz.joblock import job_lock
from quiz.models import ReviewLog, Role, User
from quiz.questions_cli import questions as questions_group
from quiz.services import accounts, admin, quizzes, resets, study
from quiz.services.bank_sync import sync_bank
from quiz.storage import backup as backups
from quiz.storage.copy import copy_database
from quiz.storage.tables import StorageError


class QuizGroup(AppGroup):
    """A command group whose commands run inside create_app()'s app context when they need it."""

    def make_context(self, info_name, args, parent=None, **extra):
        # The test runner passes its own ScriptInfo; otherwise every invocation builds the app
        # from the environment, once, and only if a command needs it.
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(create_app=create_app, set_debug_flag=False)
        return super().make_context(info_name, args, parent=parent, **extra)


@click.group(cls=QuizGroup)
def main() -> None:
    """Manage the quiz app: database, question bank, users.

    Serve it with `make run` (gunicorn with gunicorn.conf.py), not with a command here.
    """


# Flask-Migrate's commands (upgrade, current, ...) and `copy`, without changing its group.
db_group = AppGroup(
    "db",
    help=db_commands.help,
    params=db_commands.params,
    callback=db_commands.callback,
    commands=dict(db_commands.commands),
)
main.add_command(db_group, "db")


def _report(table: str, rows: int) -> None:
    click.echo(f"  {table}: {rows} row{'' if rows == 1 else 's'}", err=True)


def _fail(error: Exception) -> None:
    click.echo(f"Error: {error}", err=True)
    sys.exit(1)


@db_group.command("copy")
@click.option("--to", "to", required=True, help="The empty database to fill (a SQLAlchemy URL).")
def db_copy(to: str) -> None:
    """Copy every table of this database into an empty PostgreSQL or SQLite database."""
    try:
        counts = copy_database(to, _report)
    except StorageError as error:
        _fail(error)
    click.echo(
        f"Copied {sum(counts.values())} rows in {len(counts)} tables; "
        "every table's row count and checksum match."
    )


main.add_command(questions_group, "questions")


@main.command("init-secret", with_appcontext=False)
@click.option(
    "--path",
    type=click.Path(),
    help="Where to write it (default: secret_key in QUIZ_INSTANCE_PATH, or in instance/).",
)
def init_secret(path: str | None) -> None:
    """Write a random SECRET_KEY to the instance folder if there is none."""
    target = Path(path) if path else instance_path() / "secret_key"
    if target.exists():
        click.echo(f"{target} exists; keeping it.")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.touch(mode=0o600)
    target.write_text(secrets.token_hex(32) + "\n")
    click.echo(f"Wrote a new secret key to {target}.")


@main.group()
def user() -> None:
    """Manage accounts."""


@user.command("create")
@click.option("--email", required=True, help="Login e-mail address.")
@click.option("--name", required=True, help="Name shown in the app.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.STUDENT.value,
    show_default=True,
)
@click.password_option(help="Password (asked for if not given).")
def create_user(email: str, name: str, role: str, password: str) -> None:
    """Create an account (e.g. an instructor: --role instructor)."""
    try:
        created = accounts.create_user(email, name, password, Role(role))
    except accounts.AccountError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    click.echo(f"Created {created.role.value} {created.email} (id {created.id}).")


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _account(email: str) -> User:
    try:
        return admin.find(email)
    except accounts.AccountError as error:
        _fail(str(error))


ROLE = click.Choice([r.value for r in Role], case_sensitive=False)


@user.command("list")
@click.option("--role", type=ROLE, help="Only accounts of this role.")
def list_users(role: str | None) -> None:
    """List the accounts: id, e-mail, role, active or deactivated, name."""
    users = admin.list_users(Role(role.lower()) if role else None)
    for row in users:
        state = "active" if row.active else "deactivated"
        click.echo(f"{row.id}\t{row.email}\t{row.role.value}\t{state}\t{row.name}")
    click.echo(f"{len(users)} account{'' if len(users) == 1 else 's'}.", err=True)


@user.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLE)
def set_role(email: str, role: str) -> None:
    """Give an account a role: student, instructor or admin."""
    account = admin.set_role(_account(email), Role(role.lower()), actor="cli")
    click.echo(f"{account.email} is now {account.role.value}.")


@user.command("reset-password")
@click.argument("email")
def reset_password(email: str) -> None:
    """E-mail a password reset link (valid one hour, once), or print it if mail is off."""
    account = _account(email)
    if not account.active:
        _fail(f"{account.email} is deactivated: activate it first.")
    if mail.enabled():
        try:
            resets.send_link(account)
        except mail.MailError as error:
            _fail(f"the mail server did not take the message ({error}).")
        admin.audit("cli", "reset-link-sent", account)
        click.echo(f"Sent a reset link to {account.email}; it works once, for one hour.")
        return
    link = resets.make_link(account).url
    admin.audit("cli", "reset-link-shown", account)
    click.echo(link)
    where = "" if link.startswith("http") else " (put the site's address in front: QUIZ_BASE_URL)"
    click.echo(
        f"Give this link to {account.email} yourself{where}: the site sends no mail "
        "(QUIZ_SMTP_URL). It works once, for one hour.",
        err=True,
    )


@user.command("deactivate")
@click.argument("email")
def deactivate(email: str) -> None:
    """Close an account: it cannot log in and its sessions end; its grades stay."""
    account = admin.set_active(_account(email), False, actor="cli")
    click.echo(f"{account.email} is deactivated; its sessions are ended.")


@user.command("activate")
@click.argument("email")
def activate(email: str) -> None:
    """Let a deactivated account log in again."""
    account = admin.set_active(_account(email), True, actor="cli")
    click.echo(f"{account.email} is active.")


@main.group()
def bank() -> None:
    """Check, load and count the question bank."""


def _bank_path(path: str | None) -> Path:
    return Path(path) if path else ROOT / "question_bank"


@bank.command("validate", with_appcontext=False)
@click.argument("path", required=False, type=click.Path())
@click.option("--seeds", type=click.Path(), help="Seed texts (default: seeds/ of the project).")
def bank_validate(path: str | None, seeds: str | None) -> None:
    """Check the bank (or one source folder); list every error; exit 1 on any."""
    sys.exit(validate_main([str(_bank_path(path))] + (["--seeds", seeds] if seeds else [])))


@bank.command("stats", with_appcontext=False)
@click.argument("path", required=False, type=click.Path())
def bank_stats_command(path: str | None) -> None:
    """Print the number of items per topic, kind, type and difficulty, free-recall items on
    positions and items on the endnotes; exit 1 on any error."""
    target = _bank_path(path)
    sources, items, errors = check(target, default_seeds_dir(target))
    for line in bank_stats(sources, items, default_seeds_dir(target)):
        click.echo(line)
    if errors:
        for error in errors:
            click.echo(str(error), err=True)
        click.echo(f"Incomplete counts: {count_errors(errors)} (broken items left out).", err=True)
        sys.exit(1)


@bank.command("load")
@click.argument("path", required=False, type=click.Path())
def bank_load(path: str | None) -> None:
    """Sync the bank into the database: add new, update changed, archive removed."""
    target = _bank_path(path)
    whole_bank = not (target / SOURCE_FILE).is_file()
    seeds_dir = default_seeds_dir(target)
    sources, items, errors = check(target, seeds_dir)
    if errors:
        for error in errors:
            click.echo(str(error), err=True)
        click.echo(f"Not loaded: {count_errors(errors)} (nothing was changed).", err=True)
        sys.exit(1)
    report = sync_bank(sources, items, seeds_dir, archive_missing_sources=whole_bank)
    click.echo(str(report))


def _another_run(job: str) -> None:
    click.echo(
        f"Another `quiz {job}` is running (on this host or another one); this one did nothing."
    )


@main.group("fsrs")
def fsrs_group() -> None:
    """Spaced-repetition maintenance."""


@fsrs_group.command("optimize")
@click.option("--all", "everyone", is_flag=True, help="Every user with review history (for cron).")
@click.option("--email", help="One user, by e-mail.")
def fsrs_optimize(everyone: bool, email: str | None) -> None:
    """Fit FSRS parameters to each user's history; keep them only where they fit better."""
    if everyone == bool(email):
        click.echo("Error: give either --all or --email.", err=True)
        sys.exit(2)
    with job_lock("fsrs-optimize") as held:
        if not held:
            _another_run("fsrs optimize")
            return
        query = select(User).where(User.id.in_(select(ReviewLog.user_id)))
        if email:
            query = select(User).where(User.email == accounts.normalize_email(email))
        users = db.session.scalars(query.order_by(User.id)).all()
        if email and not users:
            click.echo(f"Error: no user with the e-mail {email}.", err=True)
            sys.exit(1)
        with click.progressbar(users, label="Optimising", file=sys.stderr) as bar:
            results = [(user.email, study.optimize_user(user)) for user in bar]
    changed = 0
    for address, result in results:
        changed += result.changed
        click.echo(f"{address}: {result.message}")
    click.echo(f"{changed} of {len(results)} users got new parameters.")


@main.group()
def attempts() -> None:
    """Quiz attempts."""


@attempts.command("close-overdue")
def attempts_close_overdue() -> None:
    """Close every attempt past its deadline and grace period, grading what was saved.

    Safe from a timer on every host: a run that finds another one running does nothing.
    """
    with job_lock("close-overdue") as held:
        if not held:
            _another_run("attempts close-overdue")
            return
        closed = quizzes.close_overdue()
    click.echo(f"{closed} overdue attempt{'' if closed == 1 else 's'} closed.")


@main.command("backup")
@click.option("-o", "--output", required=True, help="The backup file to write (a new name).")
@click.option(
    "--portable", is_flag=True, help="A zip of every table that restores into either engine."
)
def backup_command(output: str, portable: bool) -> None:
    """Write a consistent backup of the database, also while the server runs."""
    try:
        kind = backups.backup(output, portable)
    except StorageError as error:
        _fail(error)
    click.echo(f"Backup written to {output} ({kind}).")


@main.command("restore")
@click.argument("file")
@click.option("--force", is_flag=True, help="Replace what the database holds.")
def restore_command(file: str, force: bool) -> None:
    """Restore a backup into an empty database (the one DATABASE_URL names)."""
    try:
        kind = backups.restore(file, force, _report)
    except StorageError as error:
        _fail(error)
    click.echo(f"Restored {file} ({kind}).")
