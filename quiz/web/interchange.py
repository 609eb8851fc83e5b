"""Questions out and in from the pages: a deck for Anki, an instructor's export and import."""

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from quiz.db import db
from quiz.formats import FORMATS, IMPORT_FORMATS, guess_format
from quiz.models import Source, Topic
from quiz.services import question_export, question_import
from quiz.web.forms import ImportForm
from quiz.web.teach import instructor_required

bp = Blueprint("interchange", __name__)

FORMAT_LABELS = {
    "apkg": "Anki (.apkg)",
    "moodle-xml": "Moodle XML",
    "gift": "GIFT (Moodle text)",
    "csv": "CSV",
    "quizlet": "Quizlet text",
}


def _download(result: question_export.Export, fmt: str, stem: str):
    response = send_file(
        io.BytesIO(result.data),
        mimetype=question_export.MIMETYPE[fmt],
        as_attachment=True,
        download_name=stem + question_export.SUFFIX[fmt],
    )
    if result.not_exported:  # shown by a page that asks; the file itself lists them too
        response.headers["X-Not-Exported"] = str(len(result.not_exported))
    return response


@bp.get("/study/<slug>/anki")
@login_required
def deck_for_anki(slug: str):
    """Download a source's flashcards (or one topic's) as an Anki deck."""
    topic = request.args.get("topic") or None
    try:
        chosen = question_export.questions_of(source=slug, topic=topic)
    except LookupError:
        abort(404, description="There is no such deck.")
    stem = f"{slug}-{topic}" if topic else slug
    return _download(question_export.export("apkg", chosen), "apkg", stem)


@bp.get("/teach/questions/export/<fmt>")
@instructor_required
def export_mine(fmt: str):
    """Download the instructor's own questions in one format."""
    if fmt not in FORMATS:
        abort(404, description="There is no such format.")
    chosen = question_export.questions_of(owner=current_user._get_current_object())
    return _download(question_export.export(fmt, chosen), fmt, "my-questions")


def _form() -> ImportForm:
    form = ImportForm()
    form.format.choices = [SelectChoice("", "From the file's name")] + [
        SelectChoice(fmt, FORMAT_LABELS[fmt]) for fmt in IMPORT_FORMATS
    ]
    topics = db.session.execute(
        select(Topic.slug, Topic.title, Source.title)
        .join(Source, Source.id == Topic.source_id)
        .where(Topic.archived.is_(False), Source.archived.is_(False))
        .order_by(Source.title, Topic.position)
    ).all()
    form.topic.choices = [SelectChoice("", "None: every question names its category")] + [
        SelectChoice(slug, title) for slug, title, _ in topics
    ]
    return form


def _upload(form: ImportForm) -> tuple[str, bytes, str | None]:
    """Return (file name, bytes, format) from the upload, the pasted text or the preview."""
    if request.form.get("content") is not None:  # confirming a preview
        name = request.form.get("filename") or "upload.txt"
        return name, request.form["content"].encode(), request.form.get("checked_format")
    upload = form.file.data
    if upload and upload.filename:
        name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:100] or "upload"
        return name, upload.read(question_import.MAX_IMPORT_BYTES + 1), form.format.data or None
    if (form.pasted.data or "").strip():
        return "pasted text", form.pasted.data.encode(), form.format.data or "quizlet"
    return "", b"", None


@bp.route("/teach/questions/import", methods=["GET", "POST"])
@instructor_required
def import_mine():
    """Upload a file, preview what it adds (a dry run), then import it for real."""
    form = _form()
    errors, report, content, fmt, name = [], None, None, None, ""
    if form.validate_on_submit():
        name, data, fmt = _upload(form)
        fmt = fmt or guess_format(name, data)
        if not data:
            errors = ["file: choose a file, or paste Quizlet-style text."]
        elif fmt not in IMPORT_FORMATS:
            errors = [f"format: cannot tell the format of {name}; choose one."]
        else:
            confirm = request.form.get("action") == "import"
            try:
                report = question_import.import_questions(
                    current_user._get_current_object(),
                    name,
                    data,
                    fmt,
                    dry_run=not confirm,
                    topic_slug=form.topic.data or None,
                )
            except question_import.ImportRefused as refused:
                errors = refused.errors
            else:
                if confirm:
                    flash(f"{report.summary}.", "success")
                    return redirect(url_for("authoring.questions"), 303)
                content = data.decode("utf-8-sig")
    return render_template(
        "teach/import.html",
        form=form,
        errors=errors,
        report=report,
        content=content,
        checked_format=fmt,
        filename=name,
        format_labels=FORMAT_LABELS,
    ), (422 if errors or form.errors else 200)
