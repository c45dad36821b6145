"""What a request asks for: wh-questions, yes/no questions, imperative asks and two-part questions."""

from __future__ import annotations

import pytest

from evoflux.request.asks import CHOICE, DATE, LIST, NAME, NUMBER, TEXT, YES_NO, asks, asks_for_change


def kinds(task: str) -> list[str]:
    return [ask.kind for ask in asks(task)]


def test_wh_questions_tell_the_kind_of_value_wanted():
    assert kinds("Who manages the Acme Corp account in the CRM graph?") == [NAME]
    assert kinds("How many open tickets does the billing queue have?") == [NUMBER]
    assert kinds("What is the total stock of widgets across all warehouses?") == [NUMBER]
    assert kinds("When was the last commit on the release branch?") == [DATE]
    assert kinds("On which weekday does the conference start?") == [DATE]
    assert kinds("Which tables hold customer addresses?") == [LIST]
    assert kinds("Is the library open on Sundays?") == [YES_NO]
    assert kinds("Is it colder in Helsinki or in Tallinn today?") == [CHOICE]


def test_statements_ask_nothing_and_a_request_without_a_question_is_one_ask():
    assert kinds("I live in Lyon. How much does the lamp cost in my currency?") == [NUMBER]
    assert kinds("List the files in the reports folder.") == [LIST]
    assert kinds("Count the commits made in March 2024.") == [NUMBER]
    only = asks("Weather in Bergen")
    assert [(a.kind, a.text) for a in only] == [(TEXT, "Weather in Bergen")]
    assert asks("") == ()


def test_two_part_requests_are_two_asks_each_with_its_own_words():
    found = asks("How many commits touched the parser in 2024, and who wrote the most of them?")
    assert [a.kind for a in found] == [NUMBER, NAME]
    assert {"commits", "parser", "2024"} <= found[0].mentions and "parser" not in found[1].mentions
    assert kinds("List the open invoices of Globex; what is their total?") == [LIST, NUMBER]
    assert kinds("Can I borrow 'The Coral Atlas'? If not, when is a copy due back?") == [YES_NO, DATE]
    assert kinds("If I fly out on Friday, what will the fare be, and on what day do I land?") == [TEXT, DATE]
    assert kinds("What is the temperature in Porto now, and will it rain there tomorrow?") == [TEXT, YES_NO]
    assert kinds("Who wrote it and has it been reviewed?") == [NAME]  # no comma: one question
    assert "acme" in asks("Who manages the Acme account?")[0].mentions
    assert "who" not in asks("Who manages the Acme account?")[0].mentions


@pytest.mark.parametrize(
    ("task", "changes"),
    [
        ("Add a footnote to /d/a.docx", True),
        ("What is the total? Then delete the row.", True),
        ("I want to create a workbook", True),
        ("Please update the price of X", True),
        ("How many copies of travel books are there?", False),
        ("How far is it to move from A to B?", False),
        ("Which file lists the team?", False),
    ],
)
def test_a_request_asks_for_a_change_when_a_clause_opens_with_a_verb_that_changes(task, changes):
    assert asks_for_change(task) is changes
