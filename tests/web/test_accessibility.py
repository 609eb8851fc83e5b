"""axe-core on every page a student or an instructor can reach, in four variants (issue 12).

One seeded site serves the whole module (the bank, a student with a year of history, a
class whose assignment three classmates took, open and finished quizzes of every question
type, an instructor's own question). Each variant (1280 or 390 px, light or dark) visits
every page, injects axe-core from node_modules (installed by `make` with `npm ci`; never a
CDN) and expects 0 violations at any impact. At 390 px no page may scroll sideways.
"""

import random
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from quiz.bank.schema import TYPES
from quiz.db import db
from quiz.models import Question, Role, Topic, User
from quiz.services import authoring, classes, quizzes, resets
from quiz.services.classes import AssignmentSettings
from tests.conftest import (
    ARTIFACTS,
    PASSWORD,
    REQUIRE_BROWSER,
    ROOT,
    app_for,
    load_bank,
    make_config,
    make_user,
)
from tests.web.test_page_budget import add_history
from tests.web.test_teach_browser import response

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SOURCE = "china-and-nato"
VARIANTS = [(1280, "light"), (1280, "dark"), (390, "light"), (390, "dark")]


def me(user) -> User:
    return db.session.get(User, user.id)


def seed(app) -> dict:
    """Build the site every variant visits; return the users and the ids in its paths."""
    load_bank(app)
    student = make_user(app, name="Ana Student")
    classmates = [make_user(app, name=f"Classmate {n}") for n in range(1, 4)]
    teacher = make_user(app, role=Role.INSTRUCTOR, name="Prof. Chen")
    admin = make_user(app, role=Role.ADMIN, name="Site Admin")
    add_history(app, student, 300)
    with app.app_context():
        picked, facts = {}, set()
        for q in db.session.scalars(select(Question).order_by(Question.id)):
            if q.type not in picked and q.fact not in facts:
                picked[q.type] = q
                facts.add(q.fact)
        ids = [q.id for q in picked.values()]
        classroom = classes.create_class(me(teacher), "Period 3")
        for who in (student, *classmates):
            classes.join(me(who), classroom.join_code)
        assignment = classes.create_assignment(
            me(teacher),
            classroom.id,
            SOURCE,
            AssignmentSettings(title="Every type", shuffle=False),
            question_ids=ids,
        )
        for n, who in enumerate(classmates):
            attempt = classes.start_assignment(me(who), assignment.id, rng=random.Random(n))
            for q in picked.values():
                quizzes.save_answer(me(who), attempt.id, q.id, response(q, n), 0)
            quizzes.finish(me(who), attempt.id)
        done = quizzes.start_fixed(me(student), ids, quizzes.Settings(), rng=random.Random(1))
        for n, q in enumerate(picked.values()):
            quizzes.save_answer(me(student), done.id, q.id, response(q, n), 0)
        quizzes.finish(me(student), done.id)
        open_ = quizzes.start_fixed(me(student), ids, quizzes.Settings(), rng=random.Random(2))
        bank_question = next(iter(picked.values()))
        own = authoring.save(
            me(teacher),
            authoring.Draft(
                topic_id=db.session.scalars(select(Topic.id)).first(),
                kind="event",
                type="mcq",
                difficulty=1,
                prompt="Which is right?",
                explanation="The article says so.",
                quote=bank_question.quote,
                options="*Alpha\nBeta\nGamma",
            ),
        )
        with app.test_request_context():
            reset = urlsplit(resets.make_link(me(classmates[1])).url).path
        return {
            "student": student,
            "teacher": teacher,
            "admin": admin,
            "reset": reset,
            "classmate": classmates[0].id,
            "class": classroom.id,
            "assignment": assignment.id,
            "done": done.id,
            "open": open_.id,
            "card": bank_question.id,
            "own": own.id,
        }


# (who, path) for every page: anonymous, the student, the instructor; {names} from `seed`.
PAGES = [
    ("anonymous", "/"),
    ("anonymous", "/auth/login"),
    ("anonymous", "/auth/register"),
    ("anonymous", "/no-such-page"),
    ("anonymous", "/auth/forgot"),
    ("anonymous", "{reset}"),  # a reset link's page: the new password's form
    ("student", "/"),
    ("student", "/dashboard"),
    ("student", "/read"),
    ("student", f"/read/{SOURCE}"),
    ("student", "/bank"),
    ("student", "/study/"),
    ("student", f"/study/{SOURCE}?card={{card}}"),
    ("student", f"/study/{SOURCE}?show={{card}}"),  # the card with its answer shown
    ("student", "/study/card/{card}"),
    ("student", "/study/leeches"),
    ("student", "/study/settings"),
    ("student", "/quizzes/"),
    ("student", "/quizzes/new"),
    *[("student", f"/attempts/{{open}}/q/{n}") for n in range(1, len(TYPES) + 1)],
    ("student", "/attempts/{open}/summary"),
    ("student", "/attempts/{done}/result"),
    ("student", "/assignments/"),
    ("student", "/auth/password"),
    ("student", "/account/"),
    ("student", "/help/mastery"),
    ("teacher", "/teach/"),
    ("teacher", "/teach/classes/{class}"),
    ("teacher", "/teach/classes/{class}/assignments/new"),
    ("teacher", "/teach/assignments/{assignment}"),
    ("teacher", "/teach/classes/{class}/gradebook"),
    ("teacher", "/teach/classes/{class}/students/{classmate}"),
    ("teacher", "/teach/assignments/{assignment}/analysis"),
    ("teacher", "/teach/classes/{class}/topics"),
    ("teacher", "/teach/questions/"),
    ("teacher", "/teach/questions/new"),
    ("teacher", "/teach/questions/{own}/edit"),
    ("teacher", "/teach/questions/import"),
    ("admin", "/admin/users"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser):
    """Serve the seeded site; yield its base URL, its ids and each role's login cookies."""
    if not AXE.is_file():
        reason = f"axe-core not installed at {AXE}: run `make node_modules/.installed` (npm ci)"
        if REQUIRE_BROWSER:
            pytest.fail(reason)
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("a11y")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QUIZ_INSTANCE_PATH", str(tmp / "instance"))
        with app_for(make_config(tmp)) as app:
            world = seed(app)
            server = make_server("127.0.0.1", 0, app, threaded=True)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            base = f"http://127.0.0.1:{server.server_port}"
            try:
                states = {"anonymous": None}
                for role in ("student", "teacher", "admin"):
                    context = browser.new_context(base_url=base)
                    page = context.new_page()
                    page.goto("/auth/login")
                    page.get_by_label("E-mail").fill(world[role].email)
                    page.get_by_label("Password").fill(PASSWORD)
                    page.get_by_role("button", name="Log in").click()
                    page.wait_for_url(re.compile(r"/$"))
                    states[role] = context.storage_state()
                    context.close()
                yield {"base": base, "world": world, "states": states}
            finally:
                server.shutdown()
                thread.join()
                server.server_close()


RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => `${v.impact} ${v.id}: ${v.help} at `
    + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | "));
}"""
# One h1, the four landmarks, and a skip link first in the tab order that leads to main.
STRUCTURE = """() => {
  const first = document.querySelector("a[href], button, input, select, textarea, summary");
  const skip = document.querySelector("a.skip");
  return {
    h1: document.querySelectorAll("h1").length,
    landmarks: ["body > header", "body > header nav", "main", "body > footer"]
      .filter((s) => document.querySelectorAll(s).length !== 1),
    skip: !!skip && first === skip && document.querySelector(skip.getAttribute("href"))
      === document.querySelector("main"),
  };
}"""
# Two frames: what a resize or a new colour scheme sets off (app.js) has run.
SETTLE = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


@pytest.fixture(scope="module")
def tabs(browser, site):
    """One tab per role, reused by every page of the module."""
    made = {}

    def tab(who):
        if who not in made:
            context = browser.new_context(
                base_url=site["base"],
                storage_state=site["states"][who],
                bypass_csp=True,  # axe is injected as an inline script
            )
            context.set_default_timeout(10_000)
            made[who] = context.new_page()
        return made[who]

    yield tab
    for page in made.values():
        page.context.close()


@pytest.mark.parametrize(("who", "path"), PAGES, ids=[f"{w}:{p}" for w, p in PAGES])
def test_the_page_passes_axe_in_four_variants_and_fits_a_phone(tabs, site, who, path):
    """1280 and 390 px, light and dark: 0 axe violations, and no sideways scrolling at 390;
    one h1, the landmarks and a skip link (issue 12)."""
    page = tabs(who)
    path = path.format(**site["world"])
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(color_scheme="light")
    page.goto(path)
    page.add_script_tag(path=str(AXE))
    structure = page.evaluate(STRUCTURE)
    assert structure == {"h1": 1, "landmarks": [], "skip": True}
    found = []
    for width, scheme in VARIANTS:
        page.set_viewport_size({"width": width, "height": 900})
        page.emulate_media(color_scheme=scheme)
        page.evaluate(SETTLE)
        found += [f"{width} {scheme}: {v}" for v in page.evaluate(RUN_AXE)]
        if width == 390:
            wide = page.evaluate("document.documentElement.scrollWidth - innerWidth")
            if wide > 0:
                found.append(f"{width} {scheme}: the page scrolls sideways by {wide} px")
        if ARTIFACTS:  # to look at
            name = re.sub(r"[^a-z0-9]+", "-", f"{who}{path}".lower()).strip("-")
            page.screenshot(path=str(Path(ARTIFACTS) / f"a11y-{name}-{width}-{scheme}.png"))
    assert found == [], "\n".join(found)
