import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quiz.core.scheduling import Phase, Rating, next_states
from quiz.db import db
from quiz.models import CardState, ReviewLog, User
from quiz.services import study
from quiz.services.study import StudyError
from tests.conftest import NOW, make_card_states, make_source, make_user


@pytest.fixture
def student(app):
    return make_user(app)


def reload(app, user_id):
    return db.session.get(User, user_id)


def state_of(user_id, question_id):
    return db.session.scalars(
        select(CardState).where(CardState.user_id == user_id, CardState.question_id == question_id)
    ).one_or_none()


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_review_writes_the_new_state_and_one_log(app, student):
    [qid] = make_source(app, 1)
    with app.app_context():
        user = reload(app, student.id)
        result = study.review(user, qid, 3, "r1", 0, 4200, now=NOW)
        assert (result.replayed, result.version) == (False, 1)
        state = state_of(user.id, qid)
        assert (state.phase, state.step, state.reps) == (Phase.LEARNING, 1, 1)
        assert state.due == NOW + timedelta(minutes=10)
        log = db.session.scalars(select(ReviewLog)).one()
        assert (log.rating, log.duration_ms, log.phase_before, log.before) == (3, 4200, 0, None)
        assert log.after == study.state_to_dict(state)


def test_replayed_review_returns_the_first_result_and_writes_nothing(app, student):
    [qid] = make_source(app, 1)
    with app.app_context():
        user = reload(app, student.id)
        first = study.review(user, qid, 4, "same", 0, now=NOW)
        again = study.review(user, qid, 1, "same", 0, now=NOW + timedelta(seconds=5))
        assert again.replayed
        assert (again.rating, again.memory, again.version) == (4, first.memory, first.version)
        assert count(ReviewLog) == 1
        assert state_of(user.id, qid).version == 1


def test_review_of_a_card_changed_since_it_was_shown_is_refused(app, student):
    [qid] = make_source(app, 1)
    with app.app_context():
        user = reload(app, student.id)
        study.review(user, qid, 3, "tab-a", 0, now=NOW)
        before = study.state_to_dict(state_of(user.id, qid))
        with pytest.raises(StudyError) as error:
            study.review(user, qid, 1, "tab-b", 0, now=NOW)  # tab B still shows version 0
        assert error.value.status == 409
        assert study.state_to_dict(state_of(user.id, qid)) == before
        assert count(ReviewLog) == 1


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        ((5, "x", 0), 422, "rating: use 1 (Again)"),
        ((3, "", 0), 422, "client_review_id"),
        ((3, "x" * 65, 0), 422, "client_review_id"),
    ],
)
def test_bad_reviews_are_refused_with_a_reason(app, student, args, status, message):
    [qid] = make_source(app, 1)
    with app.app_context():
        with pytest.raises(StudyError, match=re.escape(message)) as error:
            study.review(reload(app, student.id), qid, *args, now=NOW)
        assert error.value.status == status
        assert count(ReviewLog) == count(CardState) == 0


def test_review_of_an_unknown_card_is_404(app, student):
    with app.app_context(), pytest.raises(StudyError) as error:
        study.review(reload(app, student.id), 999_999, 3, "x", 0, now=NOW)
    assert error.value.status == 404


@pytest.mark.parametrize("studied_before", [False, True])
def test_undo_restores_the_exact_previous_state_and_removes_the_log(app, student, studied_before):
    [qid] = make_source(app, 1)
    if studied_before:
        make_card_states(app, student, [qid], due=NOW - timedelta(days=1))
    with app.app_context():
        user = reload(app, student.id)
        state = state_of(user.id, qid)
        before = study.state_to_dict(state) if state else None
        version = state.version if state else 0
        study.review(user, qid, 1, "u1", version, now=NOW)
        assert study.undo_last(user, now=NOW + timedelta(seconds=3)) == qid
        db.session.expire_all()
        after = state_of(user.id, qid)
        assert (study.state_to_dict(after) if after else None) == before
        assert count(ReviewLog) == 0


def test_undo_with_nothing_to_undo_is_a_conflict(app, student):
    with app.app_context(), pytest.raises(StudyError, match="no review of today"):
        study.undo_last(reload(app, student.id), now=NOW)


def test_the_eighth_lapse_tags_a_leech_and_suspends_it_when_asked(app, student):
    [qid] = make_source(app, 1)
    make_card_states(app, student, [qid], due=NOW - timedelta(days=1))
    with app.app_context():
        user = reload(app, student.id)
        user.leech_action = "suspend"
        db.session.commit()
        state = state_of(user.id, qid)
        state.lapses = 7
        db.session.commit()
        result = study.review(user, qid, 1, "lapse", state.version, now=NOW)
        assert result.leech
        state = state_of(user.id, qid)
        assert (state.lapses, state.leech, state.suspended) == (8, True, True)


def test_suspended_and_buried_cards_leave_the_queue(app, student):
    ids = make_source(app, 3)
    with app.app_context():
        user = reload(app, student.id)
        deck = study.find_deck("deck")
        study.set_flags(user, ids[0], now=NOW, suspended=True)
        study.set_flags(user, ids[1], now=NOW, bury=True)
        queue = study.load_day(user, deck, NOW).queue
        assert [c.question_id for c in queue.cards] == [ids[2]]
        tomorrow = NOW + timedelta(days=1)
        queue = study.load_day(user, deck, tomorrow).queue
        assert [c.question_id for c in queue.cards] == [ids[1], ids[2]]  # bury ends; still new
        study.set_flags(user, ids[0], now=NOW, suspended=False)
        assert len(study.load_day(user, deck, tomorrow).queue.cards) == 3


def test_answering_a_card_buries_its_siblings_for_the_day(app, student):
    ids = make_source(app, 4, facts_per_question=2)  # facts: (0,1) and (2,3)
    with app.app_context():
        user = reload(app, student.id)
        deck = study.find_deck("deck")
        assert [c.question_id for c in study.load_day(user, deck, NOW).queue.cards] == [
            ids[0],
            ids[2],
        ]
        study.review(user, ids[0], 4, "e", 0, now=NOW)
        assert [c.question_id for c in study.load_day(user, deck, NOW).queue.cards] == [ids[2]]
        tomorrow = NOW + timedelta(days=1)
        assert ids[1] in [c.question_id for c in study.load_day(user, deck, tomorrow).queue.cards]


def _in_threads(app, work, n=20):
    errors, results = [], []

    def run(i):
        with app.app_context():
            try:
                results.append(work(i))
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_twenty_threads_replaying_one_review_write_it_once(app, student):
    [qid] = make_source(app, 1)
    results, errors = _in_threads(
        app, lambda i: study.review(reload(app, student.id), qid, 3, "dup", 0, now=NOW)
    )
    assert errors == []
    assert len(results) == 20
    assert sum(1 for r in results if not r.replayed) == 1
    assert {(r.version, r.memory) for r in results} == {(1, results[0].memory)}
    with app.app_context():
        assert count(ReviewLog) == 1
        assert state_of(student.id, qid).version == 1


def test_twenty_threads_reviewing_twenty_cards_write_twenty_consistent_states(app, student):
    ids = make_source(app, 20)
    results, errors = _in_threads(
        app, lambda i: study.review(reload(app, student.id), ids[i], 3, f"c{i}", 0, now=NOW)
    )
    assert errors == []
    assert sorted(r.question_id for r in results) == ids
    with app.app_context():
        assert count(ReviewLog) == 20
        states = db.session.scalars(select(CardState)).all()
        assert len(states) == 20
        for state in states:
            assert (state.version, state.reps, state.phase) == (1, 1, Phase.LEARNING)
            log = db.session.scalars(
                select(ReviewLog).where(ReviewLog.question_id == state.question_id)
            ).one()
            assert log.after == study.state_to_dict(state)


def test_settings_are_checked_before_saving(app, student):
    with app.app_context():
        user = reload(app, student.id)
        good = dict(
            new_per_day=5,
            reviews_per_day=50,
            desired_retention=0.85,
            timezone="Europe/Paris",
            leech_action="suspend",
        )
        study.save_settings(user, **good)
        with pytest.raises(StudyError, match="desired retention"):
            study.save_settings(user, **{**good, "desired_retention": 0.99})
        db.session.expire_all()
        assert reload(app, student.id).desired_retention == 0.85


def test_optimising_with_too_little_history_keeps_the_defaults(app, student):
    [qid] = make_source(app, 1)
    with app.app_context():
        user = reload(app, student.id)
        study.review(user, qid, 3, "o1", 0, now=NOW)
        result = study.optimize_user(user)
        assert not result.changed
        assert result.message.startswith("Not enough history yet")
        assert reload(app, student.id).fsrs_parameters is None


def test_a_card_forgotten_today_is_shown_even_under_a_pile_of_overdue_reviews(app, student):
    ids = make_source(app, 252)
    make_card_states(app, student, ids[:250], due=NOW - timedelta(days=30))
    make_card_states(
        app, student, [ids[250]], due=NOW - timedelta(minutes=1), phase=int(Phase.RELEARNING)
    )
    with app.app_context():
        queue = study.load_day(reload(app, student.id), study.find_deck("deck"), NOW).queue
        assert queue.learning == 1 and ids[250] in [c.question_id for c in queue.cards]
        assert queue.review == 200  # the daily review limit still holds


def test_undo_is_refused_when_the_card_changed_after_the_review(app, student):
    [qid] = make_source(app, 1)
    with app.app_context():
        user = reload(app, student.id)
        study.review(user, qid, 3, "u", 0, now=NOW)
        study.set_flags(user, qid, now=NOW, suspended=True)
        with pytest.raises(StudyError, match="changed after that review") as error:
            study.undo_last(user, now=NOW)
        assert error.value.status == 409
        assert state_of(user.id, qid).suspended


def test_a_review_id_reused_for_another_card_is_a_conflict(app, student):
    ids = make_source(app, 2)
    with app.app_context():
        user = reload(app, student.id)
        study.review(user, ids[0], 3, "same-id", 0, now=NOW)
        with pytest.raises(StudyError) as error:
            study.review(user, ids[1], 3, "same-id", 0, now=NOW)
        assert error.value.status == 409
        assert state_of(user.id, ids[1]) is None


def test_siblings_are_buried_within_their_own_source_only(app, student):
    first = make_source(app, 1, slug="first")
    second = make_source(app, 1, slug="second")  # the same fact slug, "fact-0", in another source
    with app.app_context():
        user = reload(app, student.id)
        study.review(user, first[0], 4, "f", 0, now=NOW)
        queue = study.load_day(user, study.find_deck("second"), NOW).queue
        assert [c.question_id for c in queue.cards] == second


def test_ten_concurrent_suspends_of_a_new_card_make_one_row_and_no_error(app, student):
    [qid] = make_source(app, 1)
    results, errors = _in_threads(
        app,
        lambda i: study.set_flags(reload(app, student.id), qid, now=NOW, suspended=True),
        n=10,
    )
    assert errors == []
    with app.app_context():
        assert count(CardState) == 1
        assert state_of(student.id, qid).suspended


def test_a_rating_shown_before_4_am_and_pressed_after_is_refused_and_shown_anew(app, student):
    [qid] = make_source(app, 1)
    with app.app_context():
        user = reload(app, student.id)
        study.review(user, qid, 4, "easy", 0, now=NOW)  # to review, due in about 8 days
        settings = study.settings_for(user)
        memory = study.memory_of(state_of(user.id, qid))
        before = NOW.replace(hour=3, minute=58) + timedelta(days=9)  # UTC: study day 8
        after = before + timedelta(minutes=4)  # 4:02, study day 9
        shown = next_states(memory, before, settings, qid)[Rating.Good]
        with pytest.raises(study.DayChanged) as refused:
            study.review(user, qid, 3, "good", 1, now=after, shown_at=before)
        assert refused.value.status == 409
        assert "new study day" in str(refused.value)
        assert count(ReviewLog) == 1 and state_of(user.id, qid).version == 1  # nothing written
        # Shown again after 4 am, the press applies what the button now shows.
        again = next_states(memory, after, settings, qid)[Rating.Good]
        assert again.memory.due != shown.memory.due  # why the old preview had to go
        result = study.review(user, qid, 3, "good", 1, now=after, shown_at=after)
        assert result.memory == again.memory
