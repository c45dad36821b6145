"""Finding and killing the processes a stdio server left behind, by a token in their environment.

Owns only the sweep after a server is closed; spawning and the normal stop sequence are the MCP SDK's.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
from pathlib import Path

import anyio
import anyio.to_thread

logger = logging.getLogger(__name__)

TOKEN_VAR = "EVOFLUX_SERVER_TOKEN"
"""Set in every stdio server's environment; its descendants inherit it, so they can be found later."""

_PROC = Path("/proc")
_POLL_SECONDS = 0.02


def new_token() -> str:
    return secrets.token_hex(8)


def sweep_supported() -> bool:
    """Whether processes can be found by their environment here (Linux `/proc`)."""
    return (_PROC / "self" / "environ").exists()


def find_marked(token: str) -> list[int]:
    """Live (not zombie) processes whose environment carries `token`."""
    if not sweep_supported():
        return []
    needle = f"\0{TOKEN_VAR}={token}\0".encode()
    own = os.getpid()
    found = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == own:
            continue
        try:
            environ = b"\0" + (entry / "environ").read_bytes() + b"\0"
        except OSError:
            continue  # another user's process, or one that exited while we looked: not ours to sweep
        if needle in environ and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """True unless the process is gone or a zombie (dead, waiting for its parent to reap it)."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return False  # no such process any more
    return stat.rpartition(")")[2].split()[0] != "Z"


def _signal(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            logger.debug("process %d exited before %s", pid, sig.name)
        except PermissionError:
            logger.warning("no permission to send %s to leftover server process %d", sig.name, pid)


async def kill_marked(token: str, grace: float = 1.0) -> list[int]:
    """SIGTERM every live process carrying `token`, SIGKILL those still there after `grace` seconds.

    Returns the pids that had been left behind (empty when the server cleaned up after itself).
    """
    leftovers = await anyio.to_thread.run_sync(find_marked, token)
    if not leftovers:
        return []
    logger.info("server processes %s outlived their server; terminating them", leftovers)
    _signal(leftovers, signal.SIGTERM)
    with anyio.move_on_after(grace):
        while any(_alive(pid) for pid in leftovers):
            await anyio.sleep(_POLL_SECONDS)
        return leftovers
    # Look again rather than reuse the list: a pid that died may have been reused by now.
    _signal(await anyio.to_thread.run_sync(find_marked, token), signal.SIGKILL)
    return leftovers
