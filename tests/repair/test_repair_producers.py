"""A reference to a field no step gives: the step of a tool that gives it is added and read; guesses are left."""

from __future__ import annotations

from repair_helpers import executed, flow, ops, repaired

from evoflux.execute.outcome import NodeStatus
from evoflux.repair import repair_workflow
from evoflux.workflow import Ref
from evoflux.workflow.edits import EditOp

BOOK = {"id": "n1", "tool": "library:search_books", "args": {"title": "The Coral Atlas"}}
BRANCHES = {"id": "n3", "tool": "library:list_branches", "args": {}}
PAPER_SEARCH = {
    "id": "n1",
    "tool": "library:search_papers",
    "args": {"query": "Decoding Surface Codes with Neural Networks"},
}


def test_the_answer_reading_a_field_no_step_gives_gets_the_tool_that_gives_it(bundled):
    result = repaired(
        bundled,
        BOOK,
        BRANCHES,
        {"id": "answer", "answer": "Due back on {n3.next_due_date}."},
        task="Is 'The Coral Atlas' on the shelf at the Central Library, or when will a copy be back?",
    )
    assert ops(result) == [EditOp.ADD_STEP, EditOp.REWIRE]
    new = result.workflow.node(result.edits[0].node)
    assert new.tool_key == "library:check_availability"
    assert new.args == {
        "isbn": Ref("n1", ("books", 0, "isbn")),
        "branch_id": Ref("n3", ("branches", 0, "branch_id")),
    }
    assert result.workflow.answer.text.refs == (Ref(new.id, ("next_due_date",)),)


def test_a_field_of_what_the_step_names_comes_from_a_tool_fed_by_that_step(bundled):
    """`$n2.papers` on an author's record: the author's paper list, fed by n2, although n1 has titles too."""
    result = repaired(
        bundled,
        PAPER_SEARCH,
        {"id": "n2", "tool": "library:get_author", "args": {"author_id": "$n5.authors[0].author_id"}},
        {"id": "n5", "tool": "library:get_paper", "args": {"paper_id": "$n1.papers[0].paper_id"}},
        {"id": "answer", "answer": "{n2.total_citations}; newest: {n2.papers[0].title}"},
        task="How many citations does the first author of the paper have, and what is their newest paper?",
    )
    added = [result.workflow.node(e.node) for e in result.edits if e.op is EditOp.ADD_STEP]
    assert [(n.tool_key, n.args) for n in added] == [
        ("library:list_author_papers", {"author_id": Ref("n2", ("author_id",))})
    ]
    assert Ref(added[0].id, ("papers", 0, "title")) in result.workflow.answer.text.refs


def test_an_argument_reading_a_field_its_step_lacks_is_bound_to_a_new_step(bundled):
    """A paper search lists ids and titles, no authors: the paper's record gives its first author's id."""
    result = repaired(
        bundled,
        PAPER_SEARCH,
        {"id": "n2", "tool": "library:get_author", "args": {"author_id": "$n1.authors[0].author_id"}},
        {"id": "answer", "answer": "{n2.total_citations}"},
        task="How many citations does the first author of 'Decoding Surface Codes with Neural Networks' have?",
    )
    new = result.workflow.node(result.edits[0].node)
    assert (new.tool_key, new.args) == (
        "library:get_paper",
        {"paper_id": Ref("n1", ("papers", 0, "paper_id"))},
    )
    assert result.workflow.node("n2").args["author_id"] == Ref(new.id, ("authors", 0, "author_id"))


def test_a_field_another_step_offers_is_not_guessed_at(bundled):
    """With no title anywhere, the book search the request allows is added; with n1's paper titles there,
    which title was meant is unclear and nothing is added."""
    nodes = [BRANCHES, {"id": "answer", "answer": "{n3.title}"}]
    task = "What is the full title of 'The Coral Atlas'?"
    assert ops(repaired(bundled, *nodes, task=task)) == [EditOp.ADD_STEP, EditOp.REWIRE]
    assert EditOp.ADD_STEP not in ops(repaired(bundled, PAPER_SEARCH, *nodes, task=task))


def test_an_empty_result_of_a_tool_that_declares_the_field_adds_nothing(bundled):
    """The citation list declares `citing_papers[].title`; it was empty this time, which a book search for
    the title the request names would not fix."""
    wf = flow(
        bundled,
        {"id": "n1", "tool": "library:get_citations", "args": {"paper_id": "PAP-0003"}},
        {"id": "answer", "answer": "{n1.citing_papers[0].title}"},
        task="Which paper cites PAP-0003, 'The Coral Atlas'?",
    )
    run = executed(
        wf,
        n1=(NodeStatus.OK, {"paper_id": "PAP-0003", "citation_count": 0, "citing_papers": []}),
        answer=(NodeStatus.UNRESOLVED_REF, "index 0 is out of range"),
    )
    assert ops(repair_workflow(wf, bundled, execution=run)) == []
