"""Typed settings of a solve and of a bench run: what a front end (the CLI, later the MCP server) parses into.

Plain values only. Opening clients, servers and journals from them is `evoflux.assemble` (a solve) and
`evoflux.bench.launch` (a bench run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from evoflux.llm import ModelConfig
from evoflux.scoring.budget import Budget
from evoflux.search.loop import SearchSettings
from evoflux.solver import Strategy, model_config


@dataclass(frozen=True)
class ModelSettings:
    """The model to call: a name, an OpenAI-compatible endpoint, the GGUF file of the local model."""

    model: str | None = None
    base_url: str | None = None
    model_path: Path | None = None

    def config(self) -> ModelConfig:
        """Over the EVOFLUX_* variables; with neither a model nor a base URL, the embedded local model."""
        return model_config(self.model, self.base_url)


@dataclass(frozen=True)
class SolveSettings:
    """One solve: the servers config, the model, the strategy with its ablations, budget and trace folder."""

    servers: str | None = None
    """An mcpServers JSON file; None looks in $EVOFLUX_SERVERS, ./evoflux.servers.json, else the bundled ones."""
    model: ModelSettings = field(default_factory=ModelSettings)
    strategy: Strategy = Strategy.EVOFLUX
    server_names: tuple[str, ...] | None = None
    """Only these configured servers (they are also hinted to retrieval)."""
    top_k: int = 8
    budget: Budget = field(default_factory=Budget)
    search: SearchSettings = field(default_factory=SearchSettings)
    trace: Path | None = None
    """Folder for `candidates.jsonl` (evoflux only) and `result.json`."""


@dataclass(frozen=True)
class SuiteSettings:
    """Where a bench run's tasks and servers come from: a task file with a servers config, or MCP-Bench."""

    tasks: Path | None = None
    """A JSONL task file; None with no `mcpbench` is the bundled suite."""
    servers: str | None = None
    mcpbench: Path | None = None
    description: str = "fuzzy"
    distraction: bool = False
    allow: tuple[str, ...] = ()
    """MCP-Bench servers the tasks may use; 'offline' stands for the six offline ones."""
    python: str | None = None
    node: str | None = None
    task_ids: tuple[str, ...] = ()
    """Only these tasks; empty is all."""
    limit: int | None = None
    """Only the first N tasks."""


@dataclass(frozen=True)
class BenchSettings:
    """A bench run: the suite, the strategies and seeds, the model (and judge), limits and how to run it."""

    out: Path
    suite: SuiteSettings = field(default_factory=SuiteSettings)
    strategies: tuple[str, ...] = ("evoflux", "zero-shot")
    seeds: int = 1
    model: ModelSettings = field(default_factory=ModelSettings)
    judge_model: str | None = None
    judge_base_url: str | None = None
    top_k: int = 8
    call_timeout: float = 30.0
    budget: Budget = field(default_factory=Budget)
    isolate: tuple[str, ...] = ("auto",)
    concurrency: int = 1
    resume: bool = False
    retry_failed: bool = False
    backend: str = "local"
    ray_address: str | None = None
