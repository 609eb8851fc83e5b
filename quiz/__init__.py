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

    from quiz import errors, logs, passwords, proxy, security, web
    from quiz.db import db
    from quiz.extensions import migrate

    logs.init_app(app)
    proxy.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    passwords.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    web.init_app(app)
    return app
