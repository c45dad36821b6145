"""Open a ChatClient for the configured model, serving the embedded local model when one is named.
EVOFLUX_MODEL=local (1.5B) or local-0.5b with no base URL means: find the GGUF file and serve it here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

import anyio

from evoflux.llm.cassette import CassetteMode
from evoflux.llm.client import ChatClient
from evoflux.llm.config import ModelConfig
from evoflux.llm.local_server import LocalModelServer
from evoflux.llm.model_files import MODEL_SPECS, ProgressCallback, resolve_model_file
from evoflux.llm.usage import UsageLedger


@asynccontextmanager
async def open_client(
    config: ModelConfig | None = None,
    *,
    ledger: UsageLedger | None = None,
    progress: ProgressCallback | None = None,
    model_path: Path | None = None,
    cache_dir: Path | None = None,
) -> AsyncIterator[ChatClient]:
    """Yield a client for `config` (default: from EVOFLUX_* variables); a local model is served meanwhile.

    `progress` is called from a worker thread while the local model file is being assembled.
    In cassette mode 'replay' no local model is loaded: every answer comes from the cassette.
    """
    cfg = config if config is not None else ModelConfig.from_env()
    spec = MODEL_SPECS.get(cfg.model or "")
    if spec is None or cfg.base_url is not None:
        async with ChatClient(cfg, ledger=ledger) as client:
            yield client
        return
    local_cfg = cfg.with_overrides(model=spec.alias)
    if cfg.cassette_mode is CassetteMode.REPLAY:
        async with ChatClient(local_cfg, ledger=ledger) as client:
            yield client
        return
    resolve = partial(resolve_model_file, spec, model_path=model_path, cache_dir=cache_dir, progress=progress)
    resolved = await anyio.to_thread.run_sync(resolve)
    async with (
        LocalModelServer(resolved.path, alias=spec.alias) as server,
        ChatClient(server.model_config(local_cfg), ledger=ledger) as client,
    ):
        yield client
