"""Storage fixtures: `migrated()` yields an app on an empty database at the head revision."""

from functools import partial

import pytest

from tests.storage.helpers import make_template, migrated_app


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file built by the migrations, once per run (the migrations take seconds)."""
    return make_template(tmp_path_factory.mktemp("template") / "migrated.db")


@pytest.fixture
def migrated(tmp_path, sqlite_template):
    """Return migrated_app bound to this test's folder: migrated(url=None, name=...)."""
    return partial(migrated_app, tmp_path, template=sqlite_template)
