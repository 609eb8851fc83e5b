"""The item analysis page: every figure explained, flags with what to do, answers broken down
by the upper and lower groups and by pair, position and blank, in a fixed number of
statements whatever the size of the class.

The class below is small enough to work out by hand:

    student  mcq  matching  ordering  cloze | X    X − mcq  X − matching
    S1        0     1         1        1    | 3    3        2
    S2        1     1         1        1    | 4    3        3
    S3        0     0         0        0    | 0    0        0
    S4        0     .5        1        1    | 2.5  2.5      2

Four attempts: each group holds round(0.27 × 4) = 1.
"""

import html
import random
import re

import pytest
from sqlalchemy import insert, select

from quiz.db import db
from quiz.models import Enrollment, Question, Role, Topic, User
from quiz.services import classes, quizzes
from quiz.services.classes import AssignmentSettings
from tests.conftest import NOW, AuthActions, make_source, make_user

MCQ = {"options": ["Right", "Paris", "Lyon"], "answer": "Right"}
MATCHING = {"pairs": [["Kosovo", "1999"], ["Libya", "2011"]]}
ORDERING = {"items": ["Kosovo war", "Libya campaign", "Chicago summit"]}
CLOZE = {"text": "NATO met in {{Chicago}}.", "blanks": [["Chicago"]]}
K, L, C = ORDERING["items"]
RESPONSES = [  # per student: mcq, matching, ordering, cloze
    ("Paris", {"Kosovo": "1999", "Libya": "2011"}, [K, L, C], ["Chicago"]),
    ("Right", {"Kosovo": "1999", "Libya": "2011"}, [K, L, C], ["chicago"]),
    ("Lyon", {"Kosovo": "2011", "Libya": "1999"}, [C, L, K], ["Lisbon"]),
    ("Paris", {"Kosovo": "1999", "Libya": ""}, [K, L, C], ["Chicago"]),
]


def me(user) -> User:
    return db.session.get(User, user.id)


def add_questions(app) -> list[int]:
    """Insert an mcq, a matching, an ordering and a cloze question; return their ids."""
    make_source(app, 0)
    with app.app_context():
        topic = db.session.scalars(select(Topic)).one()
        rows = [
            dict(
                key=f"deck/{kind}",
                source_id=topic.source_id,
                topic_id=topic.id,
                kind="event",
                type=kind,
                difficulty=1,
                fact=kind,
                prompt=f"The {kind} question?",
                payload=payload,
                explanation="Because.",
                quote="A quote.",
                passage_position=None,
                card_front="Front",
                card_back="Back",
                content_hash=kind.ljust(64, "0"),
                origin="bank",
                archived=False,
                created_at=NOW,
                updated_at=NOW,
            )
            for kind, payload in (
                ("mcq", MCQ),
                ("matching", MATCHING),
                ("ordering", ORDERING),
                ("cloze", CLOZE),
            )
        ]
        db.session.execute(insert(Question), rows)
        db.session.commit()
        return list(db.session.scalars(select(Question.id).order_by(Question.id)))


def take(student, quiz_id: int, answers) -> None:
    attempt = classes.start_assignment(me(student), quiz_id, now=NOW, rng=random.Random(1))
    for qid, response in answers.items():
        quizzes.save_answer(me(student), attempt.id, qid, response, 0, now=NOW)
    quizzes.finish(me(student), attempt.id, now=NOW)


@pytest.fixture
def course(app):
    """An instructor logged in on a client, a class of four and an assignment they took."""
    teacher = make_user(app, role=Role.INSTRUCTOR)
    ids = add_questions(app)
    students = [make_user(app, name=f"S{n}") for n in range(1, 5)]
    with app.app_context():
        classroom = classes.create_class(me(teacher), "Period 3")
        for student in students:
            classes.join(me(student), classroom.join_code)
        quiz = classes.create_assignment(
            me(teacher),
            classroom.id,
            "deck",
            AssignmentSettings(title="Week 1", shuffle=False),
            question_ids=ids,
        )
        for student, answers in zip(students, RESPONSES, strict=True):
            take(student, quiz.id, dict(zip(ids, answers, strict=True)))
    client = app.test_client()
    AuthActions(client, app).login(email=teacher.email)
    return {"client": client, "quiz": quiz.id, "class": classroom.id, "ids": ids}


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def sections(page: str) -> list[str]:
    return re.findall(r"<section[^>]*>(.*?)</section>", page, re.S)


def figures(section: str) -> dict[str, str]:
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", section, re.S)
    return {text(name): text(value) for name, value in pairs}


def rows(section: str) -> list[list[str]]:
    return [
        [text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", section, re.S)
    ]


def test_every_figure_has_a_one_line_explanation(course):
    page = course["client"].get(f"/teach/assignments/{course['quiz']}/analysis")
    assert page.status_code == 200
    html_text = page.get_data(as_text=True)
    # 9 figures for the quiz, 7 for each of the 4 questions.
    assert html_text.count('<dd class="explain">') == 9 + 7 * 4
    assert "Do the questions agree on who knows the material? Higher is better." in html_text


def test_quiz_figures_include_the_mean_percent_skewness_and_kurtosis(course):
    # X = 3 4 0 2.5: mean 9.5/4 = 2.375 of 4 marks → 59.375 % → "59.4%"; median
    # (2.5 + 3)/2 = 2.75. Deviations .625 1.625 −2.375 .125:
    # Σd² = .390625 + 2.640625 + 5.640625 + .015625 = 8.6875; m2 = 2.171875;
    # Σd³ = .244140625 + 4.291015625 − 13.396484375 + .001953125 = −8.859375; m3 = −2.21484375;
    # Σd⁴ = .152587890625 + 6.972900390625 + 31.816650390625 + .000244140625 = 38.9423828125;
    # m4 = 9.735595703125.
    # k2 = 4 · 2.171875/3 = 2.895833…; k3 = 16 · (−2.21484375)/(3 · 2) = −5.90625;
    # skewness = −5.90625/2.895833^1.5 = −1.1985 → "-1.20".
    # k4 = 16 · (5 · 9.735595703125 − 3 · 3 · 2.171875²)/(3 · 2 · 1)
    #    = 16 · (48.677978515625 − 42.454833984375)/6 = 16.59505208…;
    # kurtosis = 16.595052/2.895833² = 1.97894 → "1.98".
    page = course["client"].get(f"/teach/assignments/{course['quiz']}/analysis")
    whole = figures(sections(page.get_data(as_text=True))[0])
    assert whole["Attempts"] == "4"
    assert whole["Average score"] == "59.4%"
    assert whole["Median"] == "2.75"
    assert (whole["Skewness"], whole["Kurtosis"]) == ("-1.20", "1.98")


def test_a_distractor_the_top_group_prefers_is_flagged_with_what_to_do(course):
    # mcq: x = 0 1 0 0 → facility 25 %; random guess 1 of 3 options = 33.3 %: no better
    # than guessing. Each question is 1 of 4 marks: intended weight 25 %.
    # By X − mcq = 3 3 0 2.5 the top group is S1 (tied with S2, the earlier attempt) and
    # the bottom group S3. Paris: S1 S4 → 2, top 1, bottom 0: wrong and preferred by the
    # top group → flagged. Lyon: S3 → 1, bottom 1. Right: S2 → 1, in neither group.
    mcq = sections(
        course["client"].get(f"/teach/assignments/{course['quiz']}/analysis").get_data(as_text=True)
    )[1]
    shown = figures(mcq)
    assert (shown["Facility"], shown["Random guess score"]) == ("25.0%", "33.3%")
    assert shown["Intended weight"] == "25.0%"
    assert rows(mcq) == [
        ["Answer", "All", "Top", "Bottom"],
        ["Paris check", "2", "1", "0"],
        ["Lyon", "1", "0", "1"],
        ["Right right", "1", "0", "0"],
    ]
    assert (
        "What to do: “Paris” is wrong, yet the top group chose it more often than the bottom "
        "group. Check that it really is wrong, then rewrite it so that it clearly is."
    ) in text(mcq)
    assert "What to do: the class scored no better than guessing would." in text(mcq)
    assert (
        "Who chose what: all attempts, then the top and bottom 1 (27 % each) by their score "
        "on the rest of the quiz."
    ) in text(mcq)


def test_matching_ordering_and_cloze_break_answers_down_by_pair_position_and_blank(course):
    # matching by X − matching = 2 3 0 2: top S2, bottom S3.
    #   Kosovo: 1999 (right) S1 S2 S4 = 3, top 1; 2011 S3 = 1, bottom 1.
    #   Libya: 2011 (right) S1 S2 = 2, top 1; blank S4 = 1; 1999 S3 = 1, bottom 1.
    # ordering, by X − ordering = 2 3 0 1.5: top S2, bottom S3.
    #   Position 1: Kosovo war S1 S2 S4 = 3, top 1; Chicago summit S3 = 1, bottom 1.
    #   Position 2: Libya campaign, all 4. Position 3: Chicago summit 3; Kosovo war 1 (S3).
    # cloze, by X − cloze = 2 3 0 1.5: top S2, bottom S3.
    #   Blank 1: Chicago S1 S4 = 2; Lisbon S3 = 1, bottom 1; chicago S2 = 1, top 1 (right:
    #   case does not count), texts kept as typed.
    page = course["client"].get(f"/teach/assignments/{course['quiz']}/analysis")
    matching, ordering, cloze = sections(page.get_data(as_text=True))[2:5]
    assert rows(matching)[1:] == [
        ["Kosovo"],
        ["1999 right", "3", "1", "0"],
        ["2011", "1", "0", "1"],
        ["Libya"],
        ["2011 right", "2", "1", "0"],
        ["(no answer)", "1", "0", "0"],
        ["1999", "1", "0", "1"],
    ]
    assert rows(ordering)[1:] == [
        ["Position 1"],
        ["Kosovo war right", "3", "1", "0"],
        ["Chicago summit", "1", "0", "1"],
        ["Position 2"],
        ["Libya campaign right", "4", "1", "1"],
        ["Position 3"],
        ["Chicago summit right", "3", "1", "0"],
        ["Kosovo war", "1", "0", "1"],
    ]
    assert rows(cloze)[1:] == [
        ["Blank 1"],
        ["Chicago right", "2", "0", "0"],
        ["Lisbon", "1", "0", "1"],
        ["chicago right", "1", "1", "0"],
    ]
    assert "What to do" not in text(matching) + text(ordering) + text(cloze)


def test_the_page_reads_the_same_statements_for_4_and_40_students(app, course, query_counter):
    client, path = course["client"], f"/teach/assignments/{course['quiz']}/analysis"

    def count() -> int:
        client.get(path)
        with query_counter() as log:
            assert client.get(path).status_code == 200
        return log.count

    small = count()
    with app.app_context():
        db.session.execute(
            insert(User),
            [
                dict(email=f"more-{n}@example.org", name=f"M{n}", password_hash="x")
                for n in range(36)
            ],
        )
        more = db.session.scalars(select(User).where(User.email.like("more-%"))).all()
        db.session.execute(
            insert(Enrollment), [dict(classroom_id=course["class"], user_id=u.id) for u in more]
        )
        db.session.commit()
        for n, student in enumerate(more):
            take(student, course["quiz"], dict(zip(course["ids"], RESPONSES[n % 4], strict=True)))
    large = count()
    assert "40 attempts" in client.get(path).get_data(as_text=True)
    assert small == large
