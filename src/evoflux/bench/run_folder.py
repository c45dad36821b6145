"""A finished (or interrupted) bench run folder as a value: its journal's records and its `run.json` settings.

Reading is forgiving where a kill leaves traces (a torn last journal line, a missing `run.json`: warnings)
and strict elsewhere (any other bad line is a UserError naming it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evoflux.bench.journal import JOURNAL_NAME, RUN_NAME, Journal, record_key
from evoflux.errors import UserError


@dataclass(frozen=True)
class Run:
    """A run folder's records (the last one of each (strategy, seed, task) key), settings and load warnings."""

    folder: Path
    records: list[dict[str, Any]]
    settings: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.folder.resolve().name or str(self.folder)

    @property
    def strategies(self) -> list[str]:
        """The strategies with records: in the settings' order, then any others in journal order."""
        seen = dict.fromkeys(str(r["strategy"]) for r in self.records)
        listed = [str(s) for s in self.settings.get("strategies") or () if str(s) in seen]
        return [*listed, *(s for s in seen if s not in listed)]

    def records_of(self, strategy: str) -> list[dict[str, Any]]:
        """The records of one strategy, in journal order."""
        return [r for r in self.records if r["strategy"] == strategy]


def load_run(folder: str | Path) -> Run:
    """Read `journal.jsonl` and `run.json` of a run folder.

    A last journal line that is not valid JSON (what a killed run leaves) is skipped with a warning; any
    other bad line is a UserError naming its line number. A missing `run.json` is a warning.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: no such run folder")
    journal = Journal(folder)
    if not journal.path.is_file():
        raise UserError(f"{folder}: no {JOURNAL_NAME} here (is this a folder written by `evoflux bench`?)")
    warnings: list[str] = []
    records = _read_journal(journal, warnings)
    if not records:
        raise UserError(f"{journal.path}: no records yet")
    return Run(folder, records, _read_settings(folder / RUN_NAME, warnings), warnings)


def _read_journal(journal: Journal, warnings: list[str]) -> list[dict[str, Any]]:
    by_key: dict[str, dict[str, Any]] = {}
    repeated = 0
    for record in journal.read():
        key = record_key(record)
        repeated += key in by_key
        by_key[key] = record
    if journal.torn_line is not None:
        warnings.append(
            f"{journal.path}:{journal.torn_line}: skipped an incomplete last line (the run was probably interrupted)"
        )
    if repeated:
        warnings.append(
            f"{journal.path}: {repeated} records repeat a (strategy, seed, task) key; the last of each is used"
        )
    return list(by_key.values())


def _read_settings(path: Path, warnings: list[str]) -> dict[str, Any]:
    if not path.is_file():
        warnings.append(f"{path.parent}: no {RUN_NAME}; the run's settings are unknown")
        return {}
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {exc.lineno}: {exc.msg})" if isinstance(exc, json.JSONDecodeError) else ""
        raise UserError(f"{path}: not valid JSON{where}") from None
    if not isinstance(settings, dict):
        raise UserError(f"{path}: expected a JSON object of settings")
    return settings
