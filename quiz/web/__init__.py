"""Web blueprints, one per feature area, and the template context."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprints."""
    from quiz import api
    from quiz.web import auth, bank, main

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(bank.bp)
    app.register_blueprint(api.bp)
