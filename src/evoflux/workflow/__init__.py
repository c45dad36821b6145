"""The pure workflow layer: the graph model, parsing model output, references, static checks, rendering.

Nothing here does I/O or calls tools; running workflows is `evoflux.execute`'s job.
"""

from evoflux.workflow.check import Issue, IssueCode, check_arguments, check_workflow, has_errors
from evoflux.workflow.graph import AnswerNode, Ref, Template, ToolNode, Workflow
from evoflux.workflow.parse import WorkflowParseError, dump_workflow, parse_workflow
from evoflux.workflow.refs import UnresolvedReference, parse_path, resolve_value
from evoflux.workflow.render import render_mermaid, render_text

__all__ = [
    "AnswerNode",
    "Issue",
    "IssueCode",
    "Ref",
    "Template",
    "ToolNode",
    "UnresolvedReference",
    "Workflow",
    "WorkflowParseError",
    "check_arguments",
    "check_workflow",
    "dump_workflow",
    "has_errors",
    "parse_path",
    "parse_workflow",
    "render_mermaid",
    "render_text",
    "resolve_value",
]
