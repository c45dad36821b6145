"""Reliability under hostile inputs: each probe runs the `evoflux` command line in a child process on 127.0.0.1
and records what happened, whatever it is.

Probes: a model that answers HTTP 200 with a body that is not JSON, a model that never answers (the time budget
overrun of `solve --max-seconds 10` for each of the five strategies), duplicate node ids, a 10,000-node workflow
(and `check` time of chains up to the node limit, to see it grow linearly), bad numbers on the command line,
bracket (markup) text in output, duplicate keys in a servers config, a server that fails to start, a server
asked for an oversized result and then for a small one, and two `bench` processes on one run folder. Every
output is searched for a planted secret (an API key and a `${VAR}` of the servers config).

Writes benchmarks/results/reliability.json and prints its BENCHMARKS.md line; `--record` appends that line;
`--only PROBE ...` prints those probes' results and stores nothing. A child process still running after 60 s
is killed (its overrun is then at least 50 s).
Run: PYTHONPATH=src .venv/bin/python benchmarks/reliability.py [--record] (about 8 minutes on 2 busy cores)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from evoflux.catalog.tools import ToolCatalog, ToolSpec  # noqa: E402
from evoflux.servers import bundled_servers_config  # noqa: E402
from evoflux.workflow.check import check_workflow  # noqa: E402
from evoflux.workflow.parse import parse_workflow  # noqa: E402
from tests.support.model_server import ModelServer  # noqa: E402

SECRET = "sk-planted-RELIAB-5ecret-9431"
STRATEGIES = ("evoflux", "zero-shot", "replan", "best-of-n", "react")
BUDGET_SECONDS = 10.0
KILL_AFTER_S = 60.0
TASK = "How many kilometres is a marathon of 26.2 miles?"
TOOLBOX = ROOT / "tests" / "catalog" / "fake_servers" / "toolbox.py"


class Probes:
    """Runs the command line in child processes and keeps every output, to count the planted secret in."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.outputs: list[str] = []
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT / "src"),
            "EVOFLUX_API_KEY": SECRET,
            "PLANTED_SECRET": SECRET,
            "COLUMNS": "200",
        }
        self.servers = self.write("servers.json", {"mcpServers": {"units": self.units_server()}})

    def units_server(self) -> dict[str, Any]:
        return bundled_servers_config()["mcpServers"]["units"]

    def write(self, name: str, data: Any) -> Path:
        path = self.folder / name
        path.write_text(data if isinstance(data, str) else json.dumps(data))
        return path

    def cli(self, *args: str | Path, timeout: float = KILL_AFTER_S) -> dict[str, Any]:
        """One `evoflux` command: exit code (None when killed), seconds, stdout, stderr, traceback seen."""
        command = [sys.executable, "-m", "evoflux.cli", *map(str, args)]
        started = time.perf_counter()
        try:
            done = subprocess.run(command, capture_output=True, text=True, env=self.env, timeout=timeout)
            code, out, err = done.returncode, done.stdout, done.stderr
        except subprocess.TimeoutExpired as exc:
            code, out, err = None, _text(exc.stdout), _text(exc.stderr)
        self.outputs += [out, err]
        return {
            "exit": code,
            "seconds": round(time.perf_counter() - started, 2),
            "stdout": out,
            "stderr": err,
            "traceback": "Traceback (most recent call last)" in out + err,
        }


def _text(data: bytes | str | None) -> str:
    return data.decode(errors="replace") if isinstance(data, bytes) else data or ""


def non_json_reply(p: Probes) -> dict[str, Any]:
    with ModelServer("not-json") as model:
        ran = p.cli(
            *("solve", TASK, "--servers", p.servers, "--strategy", "zero-shot", "--json", "--model", "m"),
            *("--base-url", model.base_url, "--max-seconds", f"{BUDGET_SECONDS:g}"),
        )
    ran["typed_error"] = "not a chat completion" in ran["stdout"] + ran["stderr"]
    ran["ok"] = ran["exit"] in (0, 1, 2) and not ran["traceback"] and ran["typed_error"]
    return ran


def hanging_model(p: Probes) -> dict[str, Any]:
    """`solve --max-seconds 10` per strategy against a model that never answers: seconds past the budget."""
    by_strategy: dict[str, Any] = {}
    with ModelServer("hang") as model:
        for strategy in STRATEGIES:
            ran = p.cli(
                *("solve", TASK, "--servers", p.servers, "--strategy", strategy, "--json", "--model", "m"),
                *("--base-url", model.base_url, "--max-seconds", f"{BUDGET_SECONDS:g}"),
            )
            solved = _json(ran["stdout"])
            seconds = solved.get("cost", {}).get("seconds") if isinstance(solved, dict) else None
            by_strategy[strategy] = {
                "exit": ran["exit"],
                "process_seconds": ran["seconds"],
                "solve_seconds": seconds,
                "overrun_s": round(max(0.0, (seconds or ran["seconds"]) - BUDGET_SECONDS), 2),
                "killed": ran["exit"] is None,
                "traceback": ran["traceback"],
                "stderr": ran["stderr"][-300:],
            }
    return {"strategies": by_strategy, "max_overrun_s": max(s["overrun_s"] for s in by_strategy.values())}


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def duplicate_ids(p: Probes) -> dict[str, Any]:
    step = {"tool": "units:convert_length", "args": {"value": 1, "from_unit": "mile", "to_unit": "meter"}}
    nodes = [{"id": "n1", **step}, {"id": "n1", **step}, {"id": "answer", "answer": "{n1.value}"}]
    ran = p.cli("run", p.write("twice.json", {"nodes": nodes}), "--servers", p.servers, "--json")
    ran["ok"] = ran["exit"] not in (0, None) and '"ok": true' not in ran["stdout"]
    return ran


def huge_workflow(p: Probes) -> dict[str, Any]:
    """A 10,000-node chain: `check` and `run` (refused or not, and how fast), and in-process `check` time of
    chains up to 1,000 nodes."""
    path = p.write("huge.json", _chain(10_000))
    check = p.cli("check", path, "--servers", p.servers, timeout=300)
    run = p.cli("run", path, "--servers", p.servers, "--json", timeout=300)
    catalog = ToolCatalog({"units": [ToolSpec("units", "convert_length", "", {"type": "object"})]})
    timings = {}
    for size in (250, 500, 999):
        workflow = parse_workflow(_chain(size))
        started = time.perf_counter()
        check_workflow(workflow, catalog)
        timings[str(size)] = round(time.perf_counter() - started, 4)
    for ran in (check, run):
        ran["message_lines"] = len((ran["stdout"] + ran["stderr"]).strip().splitlines())
    return {"check": check, "run": run, "check_seconds_by_nodes": timings}


def _chain(size: int) -> dict[str, Any]:
    nodes = [{"id": "n1", "tool": "units:convert_length", "args": {"value": 1}}]
    nodes += [
        {"id": f"n{i}", "tool": "units:convert_length", "args": {"value": f"$n{i - 1}.value"}}
        for i in range(2, size + 1)
    ]
    return {"nodes": nodes}


def bad_numbers(p: Probes) -> dict[str, Any]:
    cases = {
        "negative seconds": ("--max-seconds", "-5"),
        "nan seconds": ("--max-seconds", "nan"),
        "zero model calls": ("--max-model-calls", "0"),
        "negative top-k": ("--top-k", "-3"),
    }
    results = {}
    with ModelServer("not-json") as model:  # a number that gets through ends at the model instead
        for name, option in cases.items():
            ran = p.cli(
                "solve", TASK, "--servers", p.servers, "--model", "m", "--base-url", model.base_url, *option
            )
            named = option[0].lstrip("-") in " ".join(ran["stderr"].split())
            results[name] = {"exit": ran["exit"], "traceback": ran["traceback"], "names_option": named}
            results[name]["stderr"] = ran["stderr"][-300:]
    refused = sum(r["exit"] == 2 and r["names_option"] and not r["traceback"] for r in results.values())
    return {"cases": results, "refused_cleanly": refused, "tried": len(cases)}


def bracket_text(p: Probes) -> dict[str, Any]:
    """A tool name with markup in it: the output should show the brackets as written."""
    marked = "[bold]loud[/bold]"
    workflow = {"nodes": [{"id": "n1", "tool": f"units:{marked}"}, {"id": "answer", "answer": "{n1}"}]}
    ran = p.cli("check", p.write("markup.json", workflow), "--servers", p.servers)
    ran["ok"] = marked in ran["stdout"] + ran["stderr"]
    return ran


def duplicate_config_keys(p: Probes) -> dict[str, Any]:
    units = json.dumps(p.units_server())
    text = '{"mcpServers": {"units": ' + units + ', "units": ' + units + "}}"
    ran = p.cli("servers", "list", "--servers", p.write("twice-servers.json", text))
    ran["ok"] = ran["exit"] == 2 and not ran["traceback"]
    return ran


def server_fails_to_start(p: Probes) -> dict[str, Any]:
    broken = {"command": sys.executable, "args": ["-c", "raise SystemExit(3)", "${PLANTED_SECRET}"]}
    config = {"mcpServers": {"units": p.units_server(), "broken": broken}}
    ran = p.cli("servers", "check", "--servers", p.write("broken-servers.json", config), timeout=180)
    ran["ok"] = ran["exit"] == 1 and not ran["traceback"]
    return ran


def oversized_result(p: Probes) -> dict[str, Any]:
    """`big` (20 MB of text) then `echo` on the same server, in one `run` of two workflow files."""
    config = {"mcpServers": {"toolbox": {"command": sys.executable, "args": [str(TOOLBOX)]}}}
    servers = p.write("toolbox-servers.json", config)
    big = p.write("big.json", {"nodes": [{"id": "n1", "tool": "toolbox:big", "args": {"megabytes": 20}}]})
    echo = p.write(
        "echo.json", {"nodes": [{"id": "n1", "tool": "toolbox:echo", "args": {"text": "still here"}}]}
    )
    ran = p.cli("run", big, echo, "--servers", servers, "--json", "--timeout", "30", timeout=180)
    results = _json(ran["stdout"])
    statuses = []
    if isinstance(results, list):
        statuses = [r.get("nodes", {}).get("n1", {}).get("status") for r in results]
    ran |= {"statuses": statuses, "recovered": statuses[-1:] == ["ok"], "stdout": ran["stdout"][-500:]}
    return ran


def two_benches(p: Probes) -> dict[str, Any]:
    """Two `bench` processes on one --out at once (zero-shot, 2 tasks, a model that answers 500): how many
    records each unit got, and whether the second was turned away."""
    out = p.folder / "bench-run"
    with ModelServer("error") as model:
        args = [
            *(sys.executable, "-m", "evoflux.cli", "bench", "--out", str(out), "--servers", str(p.servers)),
            *("--strategies", "zero-shot", "--model", "m", "--base-url", model.base_url),
            *("--task", "marathon-in-km", "--task", "oven-350f-in-celsius", "--max-seconds", "10"),
        ]
        first = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=p.env)
        time.sleep(0.5)
        second = subprocess.run([*args, "--resume"], capture_output=True, text=True, env=p.env, timeout=300)
        out1, err1 = first.communicate(timeout=300)
    p.outputs += [out1, err1, second.stdout, second.stderr]
    journal = out / "journal.jsonl"
    records = [json.loads(line) for line in journal.read_text().splitlines()] if journal.exists() else []
    keys = [f"{r['strategy']}/{r['task_id']}" for r in records]
    return {
        "first_exit": first.returncode,
        "second_exit": second.returncode,
        "second_stderr": second.stderr[-300:],
        "records": len(records),
        "units": len(set(keys)),
        "written_twice": len(keys) - len(set(keys)),
        "statuses": sorted({r["status"] for r in records}),
    }


PROBES: dict[str, Callable[[Probes], dict[str, Any]]] = {
    "non_json_reply": non_json_reply,
    "hanging_model": hanging_model,
    "duplicate_ids": duplicate_ids,
    "huge_workflow": huge_workflow,
    "bad_numbers": bad_numbers,
    "bracket_text": bracket_text,
    "duplicate_config_keys": duplicate_config_keys,
    "server_fails_to_start": server_fails_to_start,
    "oversized_result": oversized_result,
    "two_benches": two_benches,
}


def summary_line(results: dict[str, Any]) -> str:
    probes = results["probes"]
    hang = probes["hanging_model"]
    overruns = ", ".join(f"{s} {v['overrun_s']}" for s, v in hang["strategies"].items())
    huge = probes["huge_workflow"]
    bench = probes["two_benches"]
    numbers = probes["bad_numbers"]
    return (
        f"- {results['when'][:10]} reliability ({len(probes)} hostile inputs on 127.0.0.1): "
        f"non-JSON model reply {'typed error' if probes['non_json_reply']['ok'] else 'traceback'}; "
        f"hanging model, seconds past a 10 s budget: {overruns}; "
        f"duplicate ids {'refused' if probes['duplicate_ids']['ok'] else 'ran'}; "
        f"10k-node check exit {huge['check']['exit']} in {huge['check']['seconds']} s, "
        f"check of 250/500/999 chained nodes {'/'.join(str(v) for v in huge['check_seconds_by_nodes'].values())} s; "
        f"bad CLI numbers refused {numbers['refused_cleanly']}/{numbers['tried']}; "
        f"brackets shown {'as written' if probes['bracket_text']['ok'] else 'as markup'}; "
        f"duplicate config keys {'refused' if probes['duplicate_config_keys']['ok'] else 'accepted'}; "
        f"server that fails to start {'reported' if probes['server_fails_to_start']['ok'] else 'not reported cleanly'}; "
        f"after an oversized result {'recovered' if probes['oversized_result']['recovered'] else 'not recovered'}; "
        f"two benches on one folder: {bench['written_twice']} records written twice, "
        f"second exit {bench['second_exit']}; results lost {results['results_lost']}; "
        f"secret leaked {results['secret_occurrences']} times"
    )


def _trimmed(value: Any) -> Any:
    """`value` with every long text cut to its last 1,000 characters (outputs end with what matters)."""
    if isinstance(value, dict):
        return {k: _trimmed(v) for k, v in value.items()}
    if isinstance(value, str) and len(value) > 1_000:
        return "…" + value[-1_000:]
    return value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--record", action="store_true", help="append the result line to BENCHMARKS.md")
    parser.add_argument("--only", nargs="*", choices=sorted(PROBES), help="run only these probes")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="evoflux-reliability-") as folder:
        probes = Probes(Path(folder))
        results: dict[str, Any] = {"probes": {}}
        for name in args.only or PROBES:
            print(f"probe {name} …", file=sys.stderr, flush=True)
            results["probes"][name] = PROBES[name](probes)
        secret_count = sum(text.count(SECRET) for text in probes.outputs)
    bench = results["probes"].get("two_benches")
    results |= {
        "secret_occurrences": secret_count,
        "results_lost": (2 - bench["units"]) if bench else None,
        "seconds": round(time.perf_counter() - started, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if args.only:  # a partial run is shown, never stored
        print(json.dumps(_trimmed(results), indent=2))
        return
    out = ROOT / "benchmarks" / "results" / "reliability.json"
    out.write_text(json.dumps(_trimmed(results), indent=2) + "\n")
    print(f"wrote {out} ({results['seconds']} s)")
    line = summary_line(results)
    print(line)
    if args.record:
        with (ROOT / "BENCHMARKS.md").open("a") as md:
            md.write(line + "\n")


if __name__ == "__main__":
    main()
