"""The JSON of a node outcome says when its output was cut, by the executor's cap or by the preview."""

from __future__ import annotations

from evoflux.execute.outcome import NodeOutcome, NodeStatus


def test_a_cut_preview_is_marked_truncated_with_a_note() -> None:
    data = NodeOutcome("n1", NodeStatus.OK, output="x" * 5000).to_json(preview_chars=100)
    assert data["output"] == "x" * 25
    assert data["truncated"] is True
    assert (
        data["note"] == "shown here: result cut from 5002 to 27 characters (lists kept their first 50 items)"
    )


def test_the_executor_note_and_the_preview_note_are_both_kept() -> None:
    outcome = NodeOutcome(
        "n1", NodeStatus.OK, output=["y" * 50] * 100, note="result cut from 90000 to 5100 characters"
    )
    data = outcome.to_json(preview_chars=1000)
    assert data["truncated"] is True
    assert data["note"].startswith(
        "result cut from 90000 to 5100 characters; shown here: result cut from 5400 to 540 characters"
    )


def test_a_whole_output_has_no_truncation_mark() -> None:
    data = NodeOutcome("n1", NodeStatus.OK, output={"temp": 4}).to_json()
    assert data["output"] == {"temp": 4} and "truncated" not in data and "note" not in data
