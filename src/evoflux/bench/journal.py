"""The bench journal: one JSON line per finished (strategy, seed, task), appended and synced at once.

Exactly once across interruptions: a record is written with a single `write` of a whole line and synced
before the runner moves on, so a finished task is never lost; on reopening, a last line cut short by a
kill is cut off (that task was not finished and runs again) and the keys already present are skipped.
One process at a time: the run's writer holds an exclusive lock on the folder's lock file.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from evoflux.errors import UserError

JOURNAL_NAME = "journal.jsonl"
RUN_NAME = "run.json"
"""The settings of a run, beside its journal."""
LOCK_NAME = "run.lock"
"""Locked (flock) by the process writing the journal, for as long as it runs."""


def unit_key(strategy: str, seed: int, task_id: str) -> str:
    """The identity of one run unit in a journal."""
    return f"{strategy}/{seed}/{task_id}"


def record_key(record: Mapping[str, Any]) -> str:
    return unit_key(record["strategy"], record["seed"], record["task_id"])


class Journal:
    """Append-only JSONL file of run records; `open()` repairs a torn last line and returns what is done."""

    def __init__(self, folder: Path):
        self.path = folder / JOURNAL_NAME
        self.torn_line: int | None = None
        """The line number of a last line cut short by a kill, once `read` has seen one."""
        self._lock: IO[bytes] | None = None

    def lock(self) -> None:
        """Take the folder for this process until `unlock` or its end; a UserError if another one has it."""
        if self._lock is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = (self.path.parent / LOCK_NAME).open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise UserError(
                f"{self.path.parent} is in use by another bench process; wait for it to end or choose another --out"
            ) from None
        self._lock = handle

    def unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing the file releases the lock
            self._lock = None

    def read(self) -> list[dict[str, Any]]:
        """Every complete record, in file order; a bad last line (a torn write) goes to `torn_line`, not here.

        Any other line that is not a JSON record is a UserError naming its line number.
        """
        try:
            raw = self.path.read_bytes() if self.path.exists() else b""
        except OSError as exc:
            raise UserError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        lines = [(n, line) for n, line in enumerate(raw.split(b"\n"), start=1) if line.strip()]
        records = []
        for index, (number, line) in enumerate(lines):
            try:
                record = json.loads(line.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                if index == len(lines) - 1:
                    self.torn_line = number
                    continue
                reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8 text"
                raise UserError(
                    f"{self.path}:{number}: not valid JSON ({reason}); the journal is damaged"
                ) from None
            if not isinstance(record, dict):
                raise UserError(f"{self.path}:{number}: expected a JSON object, got {type(record).__name__}")
            missing = [key for key in ("task_id", "strategy") if not isinstance(record.get(key), str)]
            if missing:
                raise UserError(
                    f"{self.path}:{number}: the record has no string {' or '.join(map(repr, missing))}"
                )
            records.append(record)
        return records

    def open(self, *, retry_failed: bool = False) -> dict[str, dict[str, Any]]:
        """Make the file safe to append to and return the finished records by key (the last one wins).

        With `retry_failed`, units whose last record is a harness failure count as not finished, so they run
        again and their new record supersedes the old one.
        """
        records = self.read()
        if self.torn_line is not None:
            self._rewrite(records)
        done = {record_key(r): r for r in records}
        if retry_failed:
            done = {key: r for key, r in done.items() if r.get("status") != "failed"}
        return done

    def append(self, record: Mapping[str, Any]) -> None:
        line = (json.dumps(record, default=str, ensure_ascii=False) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def _rewrite(self, records: list[dict[str, Any]]) -> None:
        temporary = self.path.with_suffix(".jsonl.tmp")
        temporary.write_text("".join(json.dumps(r, default=str, ensure_ascii=False) + "\n" for r in records))
        os.replace(temporary, self.path)
