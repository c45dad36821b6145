"""Temporary folders (the servers' stderr logs) removed however the process ends: on close, at exit, on SIGTERM.

Python's default SIGTERM ends the process without running `finally` blocks or `atexit`; a handler removes
the folders first, then lets the signal end the process as before (or hands it to the handler it replaced).
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path
from types import FrameType
from typing import Any

_OWNED: set[Path] = set()
_installed = {"done": False}


def make_temp_dir(prefix: str) -> Path:
    """A new temporary folder, removed at exit or on SIGTERM unless `remove_temp_dir` removes it first."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    _OWNED.add(path)
    _install()
    return path


def remove_temp_dir(path: Path) -> None:
    """Remove the folder now; an OSError goes to the caller."""
    _OWNED.discard(path)
    shutil.rmtree(path)


def _remove_all() -> None:
    for path in list(_OWNED):
        # At exit or in a signal handler nobody can be told of a failure; what stays is only a temp folder.
        shutil.rmtree(path, ignore_errors=True)
    _OWNED.clear()


def _install() -> None:
    if _installed["done"]:
        return
    _installed["done"] = True
    atexit.register(_remove_all)
    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set from the main thread; atexit still covers normal exits
    previous: Any = signal.getsignal(signal.SIGTERM)
    if previous in (signal.SIG_IGN, None):
        return

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        _remove_all()
        if callable(previous):
            previous(signum, frame)
            return
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, on_sigterm)
