"""Error pages: HTML for pages, JSON under /api/; never a traceback or SQL."""

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: "The request could not be understood.",
    401: "Log in first.",
    403: "You do not have access to this page.",
    404: "There is nothing at this address.",
    405: "This address does not accept that kind of request.",
    409: "This changed since you loaded it. Reload and try again.",
    413: "What you sent is too large.",
    422: "Some of what you sent is not valid.",
    429: "Too many attempts. Wait a little and try again.",
    500: "Something went wrong on our side. It has been logged; please try again.",
    503: "The database cannot be reached right now. Try again in a few seconds.",
}
CSRF_MESSAGE = "Your form expired or came from another site. Reload the page and try again."


def wants_json() -> bool:
    """Return True when the response should be JSON (the API, a JSON request, autosave)."""
    autosave = request.headers.get("X-Autosave") == "1"  # quiz.js shows error.message
    return request.path.startswith("/api/") or request.is_json or autosave


def error_response(status: int, message: str | None = None, **extra):
    """Return the one error shape of the app: a JSON body or an HTML page."""
    message = message or MESSAGES.get(status, "Error.")
    if wants_json():
        return {"error": {"status": status, "message": message, **extra}}, status
    return render_template("error.html", status=status, message=message), status


def _http_error(error: HTTPException):
    # Our own abort(…, description=…) messages are for the user; Werkzeug's defaults are not.
    default = type(error).description
    message = error.description if error.description != default else None
    response = error_response(error.code or 500, message)
    if error.code == 405:
        body, status = response
        return body, status, {"Allow": ", ".join(error.valid_methods or [])}
    if error.code == 429:
        body, status = response
        retry_after = getattr(error, "retry_after", None)
        return (body, status, {"Retry-After": str(retry_after)}) if retry_after else response
    return response


def _csrf_error(_error: CSRFError):
    return error_response(400, CSRF_MESSAGE)


def _server_error(error: InternalServerError):
    return error_response(500)


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
