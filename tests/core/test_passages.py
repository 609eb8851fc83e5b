import pytest

from quiz.core.passages import Run, paragraph_kind, quote_span, runs

PARAGRAPH = "He said “NATO needs  to better understand China” on July 4, and left."


def test_quote_span_ignores_typographic_quotes_and_spacing():
    start, end = quote_span(PARAGRAPH, 'said "NATO needs to better understand China"')
    assert PARAGRAPH[start:end] == "said “NATO needs  to better understand China”"


def test_quote_span_of_a_missing_quote_is_none():
    assert quote_span(PARAGRAPH, "NATO needs to understand Russia") is None
    assert quote_span(PARAGRAPH, "   ") is None


def test_overlapping_quotes_split_into_runs_that_rebuild_the_paragraph():
    quotes = [(1, "NATO needs to better understand China"), (2, "understand China” on July 4")]
    result = runs(PARAGRAPH, quotes, current=2)
    assert "".join(run.text for run in result) == PARAGRAPH
    covered = {run.text: run.quoted_by for run in result if run.quoted_by}
    assert covered == {
        "NATO needs  to better ": (1,),
        "understand China": (1, 2),
        "” on July 4": (2,),
    }
    assert [run.anchors for run in result if run.anchors] == [(1,), (2,)]
    assert [run.current for run in result if run.quoted_by] == [False, True, True]


def test_a_paragraph_without_quotes_is_one_plain_run():
    assert runs("Plain text.", []) == [Run("Plain text.")]


@pytest.mark.parametrize(
    ("text", "position", "kind"),
    [
        ("China and NATO: Grappling with Beijing’s Hopes and Fears", 0, "title"),
        ("Global Partners", 11, "heading"),
        ("1. Pan Zhenqiang, “China and NATO in the Future.”\n2. Assen Agov.", 34, "note"),
        ("China and NATO had little interaction during the six decades.", 6, "text"),
    ],
)
def test_paragraph_kind(text, position, kind):
    assert paragraph_kind(text, position) == kind


def test_a_question_quoting_two_stretches_is_highlighted_at_both_with_one_anchor():
    result = runs(PARAGRAPH, [(1, "He said"), (1, "and left.")], current=1)
    assert "".join(run.text for run in result) == PARAGRAPH
    covered = [(run.text, run.quoted_by, run.current) for run in result if run.quoted_by]
    assert covered == [("He said", (1,), True), ("and left.", (1,), True)]
    assert [run.anchors for run in result if run.anchors] == [(1,)]


def test_a_question_anchored_in_another_paragraph_gets_no_anchor_here():
    result = runs(PARAGRAPH, [(1, "He said"), (2, "and left.")], anchored=frozenset({2}))
    assert [run.quoted_by for run in result if run.quoted_by] == [(1,), (2,)]
    assert [run.anchors for run in result if run.anchors] == [(2,)]
