"""quiz: flashcards and scored quizzes built from one source text."""

from flask import Flask

from quiz.config import ROOT, instance_path, load_config


def create_app(config: dict | None = None) -> Flask:
    """Create the app: configuration, extensions, blueprints, error pages.

    Args:
        config: overrides applied last (tests pass the database URL and ENV here).
    """
    instance = instance_path()
    app = Flask(__name__, instance_path=str(instance), template_folder=str(ROOT / "templates"))
    app.config.from_mapping(load_config(instance, config))
    instance.mkdir(parents=True, exist_ok=True)

    from quiz import (
        errors,
        inputs,
        logs,
        metrics,
        passwords,
        proxy,
        reconnect,
        security,
        slots,
        sso,
        web,
    )
    from quiz.db import db
    from quiz.extensions import migrate

    logs.init_app(app)
    metrics.init_app(app)  # after logs: it times from logs' start
    proxy.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    passwords.init_app(app)
    sso.init_app(app)
    security.init_app(app)
    inputs.init_app(app)  # after security: the CSRF check comes first
    errors.init_app(app)
    web.init_app(app)
    reconnect.init_app(app)  # last of the view wrappers: it wraps every view
    slots.init_app(app)  # around the whole app: one request runs at a time per process
    return app
