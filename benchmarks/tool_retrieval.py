"""Tool retrieval on MCP-Bench: recall@5/10/20, ranking time and the size of each planning prompt over the
245-tool catalog.

The relevant tools of a task are those its concrete `task_description` names; retrieval sees only the
casual `fuzzy_description` (and, with hints, the task's server names). Recall is given overall and per
task file (single-, two- and three-server tasks). Prompt size is counted in characters, and in tokens
with the local model's own tokenizer and chat template unless --no-tokens (that starts the local model).
Writes benchmarks/results/tool_retrieval.json and appends a line to BENCHMARKS.md (--markdown).
Run: .venv/bin/python benchmarks/tool_retrieval.py [--mcpbench ../shared/mcpbench] [--no-tokens]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from evoflux.catalog.retrieval import ToolRetriever
from evoflux.catalog.tools import ToolCatalog
from evoflux.llm import LocalModelServer, model_spec, resolve_model_file
from evoflux.plan.planner import planning_messages

ROOT = Path(__file__).resolve().parent.parent
TASK_FILES = ("single", "multi_2server", "multi_3server")
KS = (5, 10, 20)
MAX_STEPS = 6


def load_tasks(folder: Path, catalog: ToolCatalog) -> list[dict]:
    tasks = []
    for kind in TASK_FILES:
        data = json.loads((folder / f"mcpbench_tasks_{kind}_runner_format.json").read_text())
        for group in data["server_tasks"]:
            for task in group["tasks"]:
                relevant = {
                    tool.key
                    for server in group["servers"]
                    for tool in catalog.tools_of(server)
                    if re.search(rf"\b{re.escape(tool.name)}\b", task["task_description"])
                }
                tasks.append(
                    {
                        "id": task["task_id"],
                        "file": kind,
                        "query": task["fuzzy_description"],
                        "servers": group["servers"],
                        "relevant": relevant,
                    }
                )
    return tasks


def recall(retriever: ToolRetriever, tasks: list[dict], hints: bool) -> dict[str, float]:
    scores: dict[int, list[float]] = {k: [] for k in KS}
    for task in tasks:
        if not task["relevant"]:
            continue
        ranked = [
            s.tool.key
            for s in retriever.rank(task["query"], k=max(KS), servers=task["servers"] if hints else None)
        ]
        for k in KS:
            scores[k].append(len(task["relevant"] & set(ranked[:k])) / len(task["relevant"]))
    return {f"recall@{k}": round(statistics.mean(v), 3) for k, v in scores.items()}


def recall_by_file(retriever: ToolRetriever, tasks: list[dict], hints: bool) -> dict[str, dict[str, float]]:
    """Recall over all tasks, then over each task file."""
    results = {"all": recall(retriever, tasks, hints)}
    for kind in TASK_FILES:
        results[kind] = recall(retriever, [t for t in tasks if t["file"] == kind], hints)
    return results


def ranking_ms(catalog: ToolCatalog, tasks: list[dict], top_k: int) -> dict[str, float]:
    """Time to build the index, and to rank one task once it is built (with server hints, as the solver does)."""
    start = time.perf_counter()
    retriever = ToolRetriever(catalog)
    build = time.perf_counter() - start
    times = []
    for task in tasks:
        start = time.perf_counter()
        retriever.rank(task["query"], k=top_k, servers=task["servers"])
        times.append(time.perf_counter() - start)
    times.sort()
    return {
        "index_build": round(build * 1000, 1),
        "median": round(statistics.median(times) * 1000, 2),
        "p95": round(times[int(0.95 * (len(times) - 1))] * 1000, 2),
        "max": round(times[-1] * 1000, 2),
    }


def prompts(retriever: ToolRetriever, tasks: list[dict], top_k: int) -> list[list[dict[str, str]]]:
    """The planning messages of each task, over its top-k tools with server hints."""
    return [
        planning_messages(
            task["query"],
            [s.tool for s in retriever.rank(task["query"], k=top_k, servers=task["servers"])],
            max_steps=MAX_STEPS,
        )
        for task in tasks
    ]


def summary(counts: list[int]) -> dict[str, float]:
    return {"median": statistics.median(counts), "max": max(counts), "min": min(counts), "tasks": len(counts)}


def post(url: str, payload: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def prompt_tokens(messages: list[list[dict[str, str]]]) -> dict[str, float]:
    """Tokens of each planning prompt (chat template applied), as the local model counts them."""
    spec = model_spec("local")
    model = resolve_model_file(spec)
    counts = []
    with LocalModelServer(model.path, alias=spec.alias) as server:
        root = server.base_url.removesuffix("/v1")
        for prompt_messages in messages:
            prompt = post(f"{root}/apply-template", {"messages": prompt_messages})["prompt"]
            counts.append(len(post(f"{root}/tokenize", {"content": prompt})["tokens"]))
    return summary(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mcpbench", type=Path, default=ROOT.parent / "shared" / "mcpbench")
    parser.add_argument("--top-k", type=int, default=8)
    parser.add_argument(
        "--no-tokens", action="store_true", help="skip the token count (needs the local model)"
    )
    parser.add_argument(
        "--markdown", type=Path, default=ROOT / "BENCHMARKS.md", help="where the result line is appended"
    )
    args = parser.parse_args()
    catalog = ToolCatalog.load(args.mcpbench / "tool_catalog.json")
    retriever = ToolRetriever(catalog)
    tasks = load_tasks(args.mcpbench, catalog)
    messages = prompts(retriever, tasks, args.top_k)
    results = {
        "catalog_tools": len(catalog),
        "tasks": len(tasks),
        "tasks_with_named_tools": sum(bool(t["relevant"]) for t in tasks),
        "no_hints": recall_by_file(retriever, tasks, hints=False),
        "with_server_hints": recall_by_file(retriever, tasks, hints=True),
        "ranking_ms": ranking_ms(catalog, tasks, args.top_k),
        "planning_prompt_chars": summary(
            [sum(len(m["content"]) for m in prompt_messages) for prompt_messages in messages]
        ),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if not args.no_tokens:
        results["planning_prompt_tokens"] = prompt_tokens(messages)
    out = ROOT / "benchmarks" / "results" / "tool_retrieval.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    hinted, plain = results["with_server_hints"]["all"], results["no_hints"]["all"]
    line = (
        f"- {results['when'][:10]} tool_retrieval (MCP-Bench, {results['tasks_with_named_tools']} tasks, "
        f"{len(catalog)} tools): with server hints recall@5/10/20 = {hinted['recall@5']}/{hinted['recall@10']}/"
        f"{hinted['recall@20']}; without hints {plain['recall@5']}/{plain['recall@10']}/{plain['recall@20']}; "
        f"ranking {results['ranking_ms']['median']} ms/task"
    )
    if "planning_prompt_tokens" in results:
        tokens = results["planning_prompt_tokens"]
        line += f"; planning prompt (top-{args.top_k}) median {tokens['median']} tokens, max {tokens['max']}"
    else:
        chars = results["planning_prompt_chars"]
        line += f"; planning prompt (top-{args.top_k}) median {chars['median']} chars, max {chars['max']}"
    with args.markdown.open("a") as md:
        md.write(line + "\n")
    print(json.dumps(results, indent=2))
    print(line)


if __name__ == "__main__":
    main()
