"""Extensions created unbound; create_app binds them."""

from flask_migrate import Migrate

migrate = Migrate()
