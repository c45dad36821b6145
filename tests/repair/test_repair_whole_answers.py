"""An answer that reads a whole record or document gets the field the request names, else an extraction step:
on catalogs shaped like third-party servers (markitdown's converter, excel-mcp-server's workbook description)."""

from __future__ import annotations

from repair_helpers import executed, flow

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.outcome import NodeStatus
from evoflux.repair import repair_workflow
from evoflux.workflow.glue import EXTRACT
from evoflux.workflow.graph import Ref

TEXT = {"type": "string"}
CONVERT = ToolSpec(
    "md",
    "convert_to_markdown",
    "Convert a resource at a URI to markdown",
    {"type": "object", "properties": {"uri": TEXT}},
)
DESCRIBE = ToolSpec(
    "xl",
    "describe_workbook",
    "Sheets and sizes of a workbook",
    {"type": "object", "properties": {"path": TEXT}},
)
CATALOG = ToolCatalog({"md": [CONVERT], "xl": [DESCRIBE]})
INVOICE = (
    "# Invoice INV-1043\n\nCustomer: Chloe Martin (C007)\n\n"
    + "| SKU | qty | price |\n|---|---|---|\n"
    + ("| BPK-65 | 1 | 229.00 |\n" * 20)
)


def repaired_answer(task: str, step: dict, answer: str, output: object, **failed: tuple[NodeStatus, object]):
    wf = flow(CATALOG, step, {"id": "answer", "answer": answer}, task=task)
    return repair_workflow(
        wf, CATALOG, task=task, execution=executed(wf, n1=(NodeStatus.OK, output), **failed)
    )


def test_a_whole_document_in_the_answer_becomes_an_extraction_typed_by_the_ask():
    task = "How many line items does invoice INV-1043 list?"
    step = {"id": "n1", "tool": "md:convert_to_markdown", "args": {"uri": "file:///d/invoice_1043.pdf"}}
    result = repaired_answer(task, step, "The invoice lists {n1}.", INVOICE)
    (extract,) = [n for n in result.workflow.tool_nodes if n.tool == EXTRACT]
    assert extract.args["from"] == Ref("n1", ())
    assert extract.args["extract"] == "How many line items does invoice INV-1043 list"
    assert extract.args["schema"] == {"type": "number"}
    assert result.workflow.answer.text.refs == (Ref(extract.id, ()),)


def test_a_record_reads_the_field_the_request_names_without_a_model_call():
    task = "What sheets does the workbook sales_2025.xlsx have?"
    step = {"id": "n1", "tool": "xl:describe_workbook", "args": {"path": "/d/sales_2025.xlsx"}}
    described = {"path": "/d/sales_2025.xlsx", "sheets": ["About", "By region", "Targets"], "size": 8}
    result = repaired_answer(task, step, "It has {n1}.", described)
    assert result.workflow.answer.text.refs == (Ref("n1", ("sheets",)),)
    assert not [n for n in result.workflow.tool_nodes if n.tool == EXTRACT]


def test_an_extraction_that_failed_on_the_same_output_is_not_asked_again():
    task = "Who is the customer on invoice INV-1043?"
    step = {"id": "n1", "tool": "md:convert_to_markdown", "args": {"uri": "file:///d/invoice_1043.pdf"}}
    tried = {"id": "n2", "tool": "evoflux:extract", "args": {"extract": "the customer", "from": "$n1"}}
    wf = flow(CATALOG, step, tried, {"id": "answer", "answer": "{n2}"}, task=task)
    run = executed(wf, n1=(NodeStatus.OK, INVOICE), n2=(NodeStatus.TOOL_ERROR, "the text does not say"))
    result = repair_workflow(wf, CATALOG, task=task, execution=run)
    assert [n.id for n in result.workflow.tool_nodes] == ["n1"]  # the failed extraction gave way ...
    assert result.workflow.answer.text.refs == (Ref("n1", ()),)  # ... and no new one is added


def test_a_short_value_or_a_plain_list_is_left_alone():
    task = "What sheets does the workbook sales_2025.xlsx have?"
    step = {"id": "n1", "tool": "xl:describe_workbook", "args": {"path": "/d/sales_2025.xlsx"}}
    result = repaired_answer(task, step, "It has {n1.sheets}.", {"sheets": ["About", "Targets"]})
    assert not result.changed


RATES = [("Oslo", 65), ("Berlin", 48), ("Madrid", 44), ("Paris", 52), ("Vienna", 47), ("Rome", 45)]


def test_fields_read_from_a_document_text_become_one_extraction_of_the_text():
    task = "What is the daily allowance for Oslo in travel_policy.docx?"
    step = {"id": "n1", "tool": "md:convert_to_markdown", "args": {"uri": "file:///d/travel_policy.docx"}}
    rates = "".join(f"<w:p><w:t>{city}: {rate} EUR per day</w:t></w:p>" for city, rate in RATES)
    xml = f"<?xml version='1.0'?><w:document><w:body>{rates}</w:body></w:document>"
    result = repaired_answer(task, step, "It is {n1.daily_allowance} {n1.currency}.", xml)
    (extract,) = [n for n in result.workflow.tool_nodes if n.tool == EXTRACT]
    assert extract.args["from"] == Ref("n1", ()) and extract.args["schema"] == {"type": "string"}
    assert set(result.workflow.answer.text.refs) == {Ref(extract.id, ())}
    record = {
        "matches": [{"cell": "B3", "value": 65}],
        "sheet": "Rates",
    }  # a record: fixing the path comes first
    kept = repaired_answer(task, step, "It is {n1.matches[0].value}.", record)
    assert not [n for n in kept.workflow.tool_nodes if n.tool == EXTRACT]


def test_a_field_a_record_lacks_becomes_the_field_the_request_names():
    # In the shape of a calculator server's date difference: years, months, days, hours and minutes.
    calc = ToolSpec("calc", "date", "Date arithmetic", {"type": "object", "properties": {"date": TEXT}})
    catalog = ToolCatalog({"calc": [calc]})
    task = "How many days passed between releases 2.3.0 and 2.4.1?"
    wf = flow(
        catalog,
        {"id": "n1", "tool": "calc:date", "args": {"date": "2025-01-06"}},
        {"id": "answer", "answer": "{n1.diff} days passed."},
        task=task,
    )
    diff = {"years": 0, "months": 2, "days": 84, "hours": 2016, "minutes": 120960}
    result = repair_workflow(wf, catalog, task=task, execution=executed(wf, n1=(NodeStatus.OK, diff)))
    assert result.workflow.answer.text.refs == (Ref("n1", ("days",)),)
    assert not [n for n in result.workflow.tool_nodes if n.tool == EXTRACT]
