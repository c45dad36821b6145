"""Library MCP server: an index of 40 invented research papers (authors, citations, formatted references)
and a 25-book catalog with availability at four branches; search first, then fetch by id or ISBN."""

from typing import Annotated, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from evoflux.servers._common import fold, load_data, new_server, not_found, tool
from evoflux.servers._runner import run_server

PaperId = Annotated[
    str, Field(description="Paper id from search_papers, e.g. 'PAP-0001'", pattern=r"^PAP-\d{4}$")
]
AuthorId = Annotated[
    str,
    Field(description="Author id from get_paper or search_authors, e.g. 'AU-0001'", pattern=r"^AU-\d{4}$"),
]
Isbn = Annotated[
    str, Field(description="ISBN-13 without hyphens, from search_books", pattern=r"^97[89]\d{10}$")
]
BranchId = Annotated[
    str, Field(description="Branch id from list_branches, e.g. 'BR-CENTRAL'", pattern=r"^BR-[A-Z]+$")
]
Year = Annotated[int | None, Field(ge=1900, le=2100)]


class PaperHit(BaseModel):
    paper_id: str
    title: str


class PaperSearch(BaseModel):
    total_matches: int
    papers: list[PaperHit] = Field(description="Best matches first; use get_paper for details")


class AuthorRef(BaseModel):
    author_id: str
    name: str


class Paper(BaseModel):
    paper_id: str
    title: str
    authors: list[AuthorRef] = Field(description="In byline order")
    year: int
    venue: str
    abstract: str
    keywords: list[str]
    citation_count: int = Field(description="Number of indexed papers citing this one")
    references: list[str] = Field(description="Ids of indexed papers this one cites")
    doi: str


class Author(BaseModel):
    author_id: str
    name: str
    affiliation: str
    paper_count: int
    total_citations: int
    h_index: int


class AuthorList(BaseModel):
    authors: list[Author]


class PaperBrief(BaseModel):
    paper_id: str
    title: str
    year: int
    citation_count: int


class AuthorPapers(BaseModel):
    author_id: str
    name: str
    papers: list[PaperBrief] = Field(description="Newest first")


class Citations(BaseModel):
    paper_id: str
    citation_count: int
    citing_papers: list[PaperBrief] = Field(description="Newest first")


class BookHit(BaseModel):
    isbn: str
    title: str
    authors: list[str]
    year: int


class BookSearch(BaseModel):
    books: list[BookHit]


class Book(BookHit):
    publisher: str
    subject: str
    pages: int
    branches_holding: list[str] = Field(description="Branch ids that own at least one copy")


class Branch(BaseModel):
    branch_id: str
    name: str
    address: str
    opening_hours: str


class BranchList(BaseModel):
    branches: list[Branch]


class Availability(BaseModel):
    isbn: str
    title: str
    branch_id: str
    status: Literal["available", "all_on_loan", "not_held"]
    copies: int
    available: int
    shelf_mark: str | None
    next_due_date: str | None = Field(description="Earliest return date when all copies are on loan")


def h_index(citation_counts: list[int]) -> int:
    ranked = sorted(citation_counts, reverse=True)
    return sum(1 for rank, cites in enumerate(ranked, start=1) if cites >= rank)


def name_parts(full_name: str) -> tuple[str, str]:
    """('Elena', 'Marsh') from 'Elena Marsh'."""
    given, _, family = full_name.rpartition(" ")
    return given, family


def format_reference(paper: dict, names: list[str], style: str) -> str:
    """An APA, MLA or BibTeX reference for a paper."""
    title, venue, year, doi = paper["title"], paper["venue"], paper["year"], paper["doi"]
    parts = [name_parts(n) for n in names]
    if style == "apa":
        people = [f"{family}, {'. '.join(g[0] for g in given.split())}." for given, family in parts]
        byline = people[0] if len(people) == 1 else ", ".join(people[:-1]) + ", & " + people[-1]
        return f"{byline} ({year}). {title}. {venue}. https://doi.org/{doi}"
    if style == "mla":
        first = f"{parts[0][1]}, {parts[0][0]}"
        byline = (
            first if len(parts) == 1 else f"{first}, and {names[1]}" if len(parts) == 2 else f"{first}, et al"
        )
        return f'{byline}. "{title}." {venue}, {year}, doi:{doi}.'
    key = "".join(ch for ch in f"{fold(parts[0][1])}{year}{fold(title).split()[0]}" if ch.isalnum())
    authors = " and ".join(f"{family}, {given}" for given, family in parts)
    return (
        f"@article{{{key},\n  title = {{{title}}},\n  author = {{{authors}}},\n"
        f"  journal = {{{venue}}},\n  year = {{{year}}},\n  doi = {{{doi}}}\n}}"
    )


def build_server() -> MCPServer:
    """Create a fresh library server."""
    server = new_server(
        "library", "Research papers and library books. Search first, then fetch by id or ISBN."
    )
    data = load_data("library.json")
    papers = {p["paper_id"]: p for p in data["papers"]}
    authors = {a["author_id"]: a for a in data["authors"]}
    books = {b["isbn"]: b for b in data["books"]}
    branches = {b["branch_id"]: b for b in data["branches"]}
    cited_by: dict[str, list[str]] = {pid: [] for pid in papers}
    for p in papers.values():
        for ref in p["references"]:
            cited_by[ref].append(p["paper_id"])

    def paper(paper_id: str) -> dict:
        if paper_id not in papers:
            raise not_found("paper_id", paper_id, papers, "Find paper ids with search_papers(query=...).")
        return papers[paper_id]

    def author(author_id: str) -> dict:
        if author_id not in authors:
            raise not_found(
                "author_id", author_id, authors, "Author ids appear in get_paper and search_authors."
            )
        return authors[author_id]

    def book(isbn: str) -> dict:
        if isbn not in books:
            raise not_found("isbn", isbn, books, "Find ISBNs with search_books(title=... or author=...).")
        return books[isbn]

    def brief(paper_id: str) -> PaperBrief:
        p = papers[paper_id]
        return PaperBrief(
            paper_id=paper_id, title=p["title"], year=p["year"], citation_count=len(cited_by[paper_id])
        )

    def papers_of(author_id: str) -> list[str]:
        return [pid for pid, p in papers.items() if author_id in p["author_ids"]]

    def newest_first(paper_ids: list[str]) -> list[PaperBrief]:
        return [brief(pid) for pid in sorted(paper_ids, key=lambda pid: (-papers[pid]["year"], pid))]

    def author_record(a: dict) -> Author:
        counts = [len(cited_by[pid]) for pid in papers_of(a["author_id"])]
        return Author(**a, paper_count=len(counts), total_citations=sum(counts), h_index=h_index(counts))

    @tool(server)
    def search_papers(
        query: Annotated[
            str,
            Field(description="Keywords that must all appear in title, abstract or keywords", min_length=1),
        ],
        year_from: Annotated[Year, Field(description="Earliest publication year (inclusive)")] = None,
        year_to: Annotated[Year, Field(description="Latest publication year (inclusive)")] = None,
        limit: Annotated[int, Field(description="Maximum number of results", ge=1, le=50)] = 10,
    ) -> PaperSearch:
        """Search research papers; returns only paper ids and titles, best title matches first, then newest.

        Use get_paper for authors, year, venue, abstract and citation_count.
        """
        words = fold(query).split()
        hits = []
        for p in papers.values():
            text = fold(" ".join([p["title"], p["abstract"], *p["keywords"]]))
            in_years = (year_from or 0) <= p["year"] <= (year_to or 9999)
            if in_years and all(w in text for w in words):
                hits.append((-sum(w in fold(p["title"]) for w in words), -p["year"], p["paper_id"]))
        hits.sort()
        return PaperSearch(
            total_matches=len(hits),
            papers=[PaperHit(paper_id=pid, title=papers[pid]["title"]) for *_, pid in hits[:limit]],
        )

    @tool(server)
    def get_paper(paper_id: PaperId) -> Paper:
        """Full record of a paper: title, authors with author_ids, year, venue, abstract, citation_count, DOI."""
        p = paper(paper_id)
        return Paper(
            **{
                k: p[k]
                for k in ("paper_id", "title", "year", "venue", "abstract", "keywords", "references", "doi")
            },
            authors=[AuthorRef(author_id=a, name=authors[a]["name"]) for a in p["author_ids"]],
            citation_count=len(cited_by[paper_id]),
        )

    @tool(server)
    def search_authors(
        name: Annotated[
            str, Field(description="Full or partial author name (accents optional)", min_length=2)
        ],
    ) -> AuthorList:
        """Find authors by name; returns author ids with affiliation, paper count, citations and h-index."""
        query = fold(name)
        found = [author_record(a) for a in authors.values() if query in fold(a["name"])]
        if not found:
            raise ToolError(f"No author matching {name!r}. Author names also appear in get_paper results.")
        return AuthorList(authors=found)

    @tool(server)
    def get_author(author_id: AuthorId) -> Author:
        """One author: name, affiliation, number of indexed papers, total citations and h-index."""
        return author_record(author(author_id))

    @tool(server)
    def list_author_papers(author_id: AuthorId) -> AuthorPapers:
        """All indexed papers by an author, newest first, with year and citation_count."""
        a = author(author_id)
        return AuthorPapers(author_id=author_id, name=a["name"], papers=newest_first(papers_of(author_id)))

    @tool(server)
    def get_citations(paper_id: PaperId) -> Citations:
        """The indexed papers that cite a given paper, newest first."""
        paper(paper_id)
        return Citations(
            paper_id=paper_id,
            citation_count=len(cited_by[paper_id]),
            citing_papers=newest_first(cited_by[paper_id]),
        )

    @tool(server, text_only=True)
    def format_citation(
        paper_id: PaperId,
        style: Annotated[Literal["apa", "mla", "bibtex"], Field(description="Citation style")] = "apa",
    ) -> str:
        """Format a paper as an APA, MLA or BibTeX reference. Returns plain text only (no structured output)."""
        p = paper(paper_id)
        return format_reference(p, [authors[a]["name"] for a in p["author_ids"]], style)

    @tool(server)
    def search_books(
        title: Annotated[str | None, Field(description="Words from the title")] = None,
        author: Annotated[str | None, Field(description="Author name or part of it")] = None,
    ) -> BookSearch:
        """Search the library's book catalog by title and/or author; returns ISBNs (at least one filter needed)."""
        if not (title or author):
            raise ToolError("Give a title, an author, or both.")
        title_words = fold(title or "").split()
        found = [
            BookHit(**{k: b[k] for k in BookHit.model_fields})
            for b in books.values()
            if all(w in fold(b["title"]) for w in title_words)
            and (author is None or any(fold(author) in fold(a) for a in b["authors"]))
        ]
        if not found:
            raise ToolError(f"No book matches title={title!r}, author={author!r}.")
        return BookSearch(books=found)

    @tool(server)
    def get_book(isbn: Isbn) -> Book:
        """Book details by ISBN-13: title, authors, year, publisher, subject, pages and which branches hold it."""
        b = book(isbn)
        return Book(
            **{k: b[k] for k in ("isbn", "title", "authors", "year", "publisher", "subject", "pages")},
            branches_holding=sorted(b["holdings"]),
        )

    @tool(server)
    def list_branches() -> BranchList:
        """The library branches with ids, addresses and opening hours."""
        return BranchList(branches=[Branch(**b) for b in branches.values()])

    @tool(server)
    def check_availability(isbn: Isbn, branch_id: BranchId) -> Availability:
        """Whether a book can be borrowed at a branch now: copies, copies available, shelf mark, next due date."""
        b = book(isbn)
        if branch_id not in branches:
            raise not_found("branch_id", branch_id, branches, "See list_branches.")
        holding = b["holdings"].get(branch_id)
        if holding is None:
            return Availability(
                isbn=isbn,
                title=b["title"],
                branch_id=branch_id,
                status="not_held",
                copies=0,
                available=0,
                shelf_mark=None,
                next_due_date=None,
            )
        return Availability(
            isbn=isbn,
            title=b["title"],
            branch_id=branch_id,
            status="available" if holding["available"] else "all_on_loan",
            copies=holding["copies"],
            available=holding["available"],
            shelf_mark=holding["shelf_mark"],
            next_due_date=holding.get("next_due"),
        )

    return server


if __name__ == "__main__":
    run_server(build_server)
