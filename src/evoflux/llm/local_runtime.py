"""Child process that hosts xllamacpp's OpenAI-compatible llama.cpp server for LocalModelServer.
Prints one JSON status line on stdout, then serves until its stdin closes (so it never outlives its parent)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evoflux.llm.local_runtime")
    parser.add_argument("--model", required=True, help="path of the GGUF file")
    parser.add_argument("--alias", required=True, help="model id the server reports and expects")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--ctx-size", type=int, required=True, help="context tokens per slot")
    parser.add_argument("--slots", type=int, default=1, help="requests decoded in parallel")
    parser.add_argument("--prompt-cache-mib", type=int, default=2048, help="RAM for cached prompt prefixes")
    parser.add_argument("--host", default="127.0.0.1")
    return parser


def _status(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        import xllamacpp
    except ImportError as exc:
        _status({"ready": False, "error": f"xllamacpp cannot be imported: {exc}"})
        return 2
    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.model_alias = {args.alias}
    params.hostnames = [args.host]
    params.port = 0  # the OS picks a free port; the server reports it in listening_address
    params.n_parallel = args.slots
    params.n_ctx = args.ctx_size * args.slots
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.cache_prompt = True
    params.cache_ram_mib = args.prompt_cache_mib
    try:
        server = xllamacpp.Server(params)
    except RuntimeError as exc:
        _status({"ready": False, "error": str(exc)})
        return 1
    _status({"ready": True, "address": server.listening_address})
    sys.stdin.buffer.read()  # returns at EOF: the parent stopped us or exited
    del server  # joins llama.cpp's loop thread
    return 0


if __name__ == "__main__":
    sys.exit(main())
