"""Benchmark of the embedded local model: assembly, load, prompt and generation speed, peak RSS, prefix reuse.
Writes benchmarks/results/local_model.json and appends one line to BENCHMARKS.md (python benchmarks/local_model.py)."""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import platform
import statistics
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evoflux.llm import ChatClient, LocalModelServer, available_cores, model_spec, resolve_model_file

ROOT = Path(__file__).resolve().parents[1]
TOOL_LINE = (
    "- tool_{i}(record_id: string, limit: integer): reads record {i} of the archive and returns a JSON "
    "summary with the fields id, title, tags and owner."
)


def long_system_prompt(tools: int) -> str:
    lines = [TOOL_LINE.format(i=i) for i in range(tools)]
    return "You plan tool calls. Available tools:\n" + "\n".join(lines)


def raw_chat(base_url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{base_url}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def cpu_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


async def prefix_reuse(server: LocalModelServer, tools: int) -> dict[str, Any]:
    system = long_system_prompt(tools)
    async with ChatClient(server.model_config()) as client:
        cold = await client.complete_text(
            [
                {"role": "system", "content": system},
                {"role": "user", "content": "Which tool reads record 7?"},
            ],
            purpose="plan",
            max_tokens=8,
        )
        warm = await client.complete_text(
            [
                {"role": "system", "content": system},
                {"role": "user", "content": "Which tool reads record 42?"},
            ],
            purpose="plan",
            max_tokens=8,
        )
    return {
        "prompt_tokens": cold.prompt_tokens,
        "cold_seconds": round(cold.seconds, 2),
        "warm_seconds": round(warm.seconds, 2),
        "warm_cached_tokens": warm.cached_prompt_tokens,
        "speedup": round(cold.seconds / warm.seconds, 1),
    }


def run(model: str, tools: int, gen_tokens: int) -> dict[str, Any]:
    spec = model_spec(model)
    with tempfile.TemporaryDirectory(prefix="evoflux-bench-") as scratch:
        assembled = resolve_model_file(spec, cache_dir=Path(scratch), env={})
        assembly = {"source": assembled.source, "seconds": round(assembled.seconds, 2)}
    resolved = resolve_model_file(spec)
    with LocalModelServer(resolved.path, alias=spec.alias) as server:
        load_seconds = server.load_seconds or 0.0
        short_gen = [
            raw_chat(
                server.base_url,
                {
                    "messages": [{"role": "user", "content": f"Variant {i}: write a long Python module."}],
                    "max_tokens": gen_tokens,
                    "temperature": 0,
                    "cache_prompt": False,
                },
            )["timings"]
            for i in range(3)
        ]
        filler = " ".join(f"word{i}" for i in range(900))
        prompt = raw_chat(
            server.base_url,
            {
                "messages": [{"role": "user", "content": f"{filler}\nHow many words were there?"}],
                "max_tokens": 1,
                "cache_prompt": False,
            },
        )["timings"]
        reuse = asyncio.run(prefix_reuse(server, tools))
        long_gen = raw_chat(
            server.base_url,
            {
                "messages": [
                    {"role": "system", "content": long_system_prompt(tools)},
                    {"role": "user", "content": "Describe every tool in detail."},
                ],
                "max_tokens": gen_tokens,
                "temperature": 0,
            },
        )["timings"]
        rss = server.peak_rss_bytes()
    return {
        "benchmark": "local_model",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": spec.alias,
        "machine": {
            "cores": available_cores(),
            "cpu": cpu_name(),
            "xllamacpp": importlib.metadata.version("xllamacpp"),
        },
        "assembly": assembly,
        "load_seconds": round(load_seconds, 2),
        "prompt": {"tokens": prompt["prompt_n"], "tokens_per_second": round(prompt["prompt_per_second"], 1)},
        "generation": {
            "tokens": short_gen[0]["predicted_n"],
            "tokens_per_second": round(statistics.median(t["predicted_per_second"] for t in short_gen), 1),
            "runs_tokens_per_second": [round(t["predicted_per_second"], 1) for t in short_gen],
        },
        "generation_at_long_context": {
            "context_tokens": long_gen["cache_n"] + long_gen["prompt_n"],
            "tokens": long_gen["predicted_n"],
            "tokens_per_second": round(long_gen["predicted_per_second"], 1),
        },
        "peak_rss_bytes": rss,
        "prefix_reuse": reuse,
    }


def summary_line(result: dict[str, Any]) -> str:
    reuse = result["prefix_reuse"]
    rss = result["peak_rss_bytes"]
    rss_text = f"{rss / 1024**3:.2f} GiB" if rss else "n/a"
    return (
        f"- {result['date'][:10]} local_model {result['model']} on {result['machine']['cores']} cores: "
        f"assembly {result['assembly']['seconds']} s, load {result['load_seconds']} s, "
        f"prompt {result['prompt']['tokens_per_second']} tok/s, "
        f"generation {result['generation']['tokens_per_second']} tok/s "
        f"({result['generation_at_long_context']['tokens_per_second']} tok/s after "
        f"{result['generation_at_long_context']['context_tokens']} context tokens), peak RSS {rss_text}, "
        f"prefix reuse {reuse['prompt_tokens']} tokens {reuse['cold_seconds']} s -> {reuse['warm_seconds']} s "
        f"({reuse['speedup']}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="local", help="local (1.5B) or local-0.5b")
    parser.add_argument("--tools", type=int, default=80, help="tool lines in the long shared prefix")
    parser.add_argument("--gen-tokens", type=int, default=128)
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "local_model.json")
    parser.add_argument("--markdown", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    started = time.perf_counter()
    result = run(args.model, args.tools, args.gen_tokens)
    result["benchmark_seconds"] = round(time.perf_counter() - started, 1)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(result, indent=2) + "\n")
    line = summary_line(result)
    with args.markdown.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    print(json.dumps(result, indent=2))
    print(line)


if __name__ == "__main__":
    main()
