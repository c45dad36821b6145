"""Library server: paper search-then-fetch, authors, citations, formatted references, books and branches."""

import pytest

pytestmark = pytest.mark.anyio


async def test_search_papers_returns_ids_and_titles_only(connect):
    library = await connect("library")
    found = await library.ok("search_papers", query="coral", year_from=2020)
    assert found["total_matches"] == 3
    assert all(set(p) == {"paper_id", "title"} for p in found["papers"])
    assert [p["paper_id"] for p in found["papers"]] == ["PAP-0020", "PAP-0018", "PAP-0019"]
    assert (await library.ok("search_papers", query="no such topic zebra"))["total_matches"] == 0


async def test_paper_author_and_citations_agree(connect):
    library = await connect("library")
    paper = await library.ok("get_paper", paper_id="PAP-0003")
    assert [a["name"] for a in paper["authors"]] == ["Elena Marsh", "Felix Brandt", "Grace Whitfield"]
    citations = await library.ok("get_citations", paper_id="PAP-0003")
    assert paper["citation_count"] == citations["citation_count"] == len(citations["citing_papers"]) == 6
    author = await library.ok("get_author", author_id=paper["authors"][0]["author_id"])
    assert (author["paper_count"], author["h_index"]) == (6, 3)
    assert "search_papers" in await library.error("get_paper", paper_id="PAP-0999")
    assert (await library.ok("search_authors", name="tomas"))["authors"][0]["name"] == "Tomás Herrera"


async def test_format_citation_styles_are_text(connect):
    library = await connect("library")
    apa = await library.text("format_citation", paper_id="PAP-0003", style="apa")
    assert apa.startswith("Marsh, E., Brandt, F., & Whitfield, G. (2021). Planning Tool Workflows")
    assert apa.endswith("https://doi.org/10.5555/evx.2021.0003")
    mla = await library.text("format_citation", paper_id="PAP-0010", style="mla")
    assert mla.startswith('Dubois, Claire, and Oluwaseun Adebayo. "Message Passing')
    bibtex = await library.text("format_citation", paper_id="PAP-0016", style="bibtex")
    assert (
        bibtex.startswith("@article{zhou2016thermal,")
        and "author = {Zhou, Mei-Lin and O'Connell, Liam}" in bibtex
    )


async def test_books_and_availability(connect):
    library = await connect("library")
    [book] = (await library.ok("search_books", title="espresso handbook"))["books"]
    details = await library.ok("get_book", isbn=book["isbn"])
    assert details["branches_holding"] == ["BR-CENTRAL", "BR-HARBOR"]
    central = await library.ok("check_availability", isbn=book["isbn"], branch_id="BR-CENTRAL")
    assert central["status"] == "all_on_loan" and central["available"] == 0
    assert central["next_due_date"] == "2026-03-24"
    north = await library.ok("check_availability", isbn=book["isbn"], branch_id="BR-NORTH")
    assert north["status"] == "not_held"
    vance = (await library.ok("search_books", author="harriet vance"))["books"]
    assert [b["title"] for b in vance] == ["Midnight at the Observatory", "The Clockmaker's Apprentice"]
    assert "title" in await library.error("search_books")
    assert "list_branches" in await library.error(
        "check_availability", isbn=book["isbn"], branch_id="BR-MOON"
    )
    assert "pattern" in await library.error("get_book", isbn="12345")
