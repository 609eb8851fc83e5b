"""The `quiz` command line: a FlaskGroup over create_app."""

import secrets
import sys

import click
from flask.cli import FlaskGroup

from quiz import create_app
from quiz.config import ROOT
from quiz.models import Role
from quiz.services import accounts


@click.group(cls=FlaskGroup, create_app=create_app)
def main() -> None:
    """Manage the quiz app: database, question bank, users."""


@main.command("init-secret", with_appcontext=False)
@click.option("--path", type=click.Path(), default=str(ROOT / "instance" / "secret_key"))
def init_secret(path: str) -> None:
    """Write a random SECRET_KEY to instance/secret_key if there is none."""
    from pathlib import Path

    target = Path(path)
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
