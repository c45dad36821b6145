"""Install the third-party suite's MCP servers and build its fixtures: one command, offline afterwards.

    python3 benchmarks/suites/thirdparty/setup.py [--dir DIR]

DIR (default `$EVOFLUX_THIRDPARTY_DIR`, else `~/.cache/evoflux/thirdparty`) gets:
`venv/` (servers on the current MCP SDK, and the fixture builders), `venv-mcp1/` (servers that need
`mcp<2`), `node/` (the npm servers), `fixtures/` (databases, workbooks, documents, PDFs, text files, all made
by code from fixed data, linked at /tmp/evoflux-thirdparty, the path the tasks name files by) and
`servers.json` (an `mcpServers` config with absolute paths).
Stdlib only; runs with any python3 >= 3.11. A second run reuses what is installed and rebuilds the fixtures
(the task answers come out identical).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES_LINK = Path("/tmp/evoflux-thirdparty")
"""The fixed path the tasks name files by (servers such as the text editor take absolute paths only)."""

VENVS: dict[str, tuple[str, ...]] = {
    # Servers on MCP SDK 2, and what builds the fixtures.
    "venv": (
        "excel-mcp-server==2.2.2",
        "office-word-mcp-server==1.1.11",
        "markitdown-mcp==0.0.1a8",
        "mcp-server-motherduck==1.1.0",
        "duckdb==1.5.6",
        "openpyxl==3.1.5",
        "python-docx==1.2.0",
        "fpdf2==2.8.9",
    ),
    # Servers written against the MCP SDK 1 low-level API.
    "venv-mcp1": (
        "mcp==1.30.0",
        "mcp-server-duckdb==1.1.0",
        "mcp-text-editor==1.0.2",
        "duckdb==1.5.6",
    ),
}
NPM_PACKAGES = ("@coo-quack/calc-mcp@2.1.1", "mcp-sqlite@1.0.9", "@sylphx/pdf-reader-mcp@2.4.0")


def default_dir() -> Path:
    return Path(os.environ.get("EVOFLUX_THIRDPARTY_DIR") or Path.home() / ".cache" / "evoflux" / "thirdparty")


def _run(cmd: list[str], **kwargs: object) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kwargs)  # type: ignore[call-overload]


def install_venv(root: Path, name: str, packages: tuple[str, ...]) -> Path:
    """Create DIR/<name> and install the pinned packages, unless a previous run already did."""
    venv = root / name
    stamp = venv / "evoflux-installed.json"
    if stamp.exists() and json.loads(stamp.read_text()) == list(packages):
        return venv
    if not (venv / "bin" / "python").exists():
        _run([sys.executable, "-m", "venv", str(venv)])
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *packages])
    stamp.write_text(json.dumps(list(packages)))
    return venv


def install_npm(root: Path) -> Path:
    node_dir = root / "node"
    stamp = node_dir / "evoflux-installed.json"
    if stamp.exists() and json.loads(stamp.read_text()) == list(NPM_PACKAGES):
        return node_dir
    node_dir.mkdir(parents=True, exist_ok=True)
    if not (node_dir / "package.json").exists():
        (node_dir / "package.json").write_text('{"name": "evoflux-thirdparty", "private": true}\n')
    _run(["npm", "install", "--no-audit", "--no-fund", "--save-exact", *NPM_PACKAGES], cwd=node_dir)
    stamp.write_text(json.dumps(list(NPM_PACKAGES)))
    return node_dir


def link_fixtures(fixtures: Path) -> None:
    """Point FIXTURES_LINK at this install's fixtures (replacing a link to another install)."""
    if FIXTURES_LINK.is_symlink():
        FIXTURES_LINK.unlink()
    elif FIXTURES_LINK.exists():
        raise SystemExit(f"{FIXTURES_LINK} exists and is not a symlink: move it away first")
    FIXTURES_LINK.symlink_to(fixtures, target_is_directory=True)
    print(f"fixtures linked at {FIXTURES_LINK}")


def servers_config(root: Path) -> dict[str, object]:
    """The `mcpServers` config: every server on its fixtures, by absolute path."""
    venv, legacy, node, fixtures = root / "venv" / "bin", root / "venv-mcp1" / "bin", root / "node", root / "fixtures"
    node_bin = shutil.which("node") or "node"
    modules = node / "node_modules"
    return {
        "mcpServers": {
            "duckdb": {
                "command": str(legacy / "mcp-server-duckdb"),
                "args": ["--db-path", str(fixtures / "shop.duckdb"), "--readonly"],
            },
            "motherduck": {
                "command": str(venv / "mcp-server-motherduck"),
                "args": ["--db-path", str(fixtures / "warehouse.duckdb"), "--home-dir", str(root / "duckdb-home")],
            },
            "sqlite": {
                "command": node_bin,
                "args": [str(modules / "mcp-sqlite" / "mcp-sqlite-server.js"), str(fixtures / "library.db")],
            },
            "excel": {"command": str(venv / "excel-mcp-server"), "args": ["stdio"], "cwd": str(fixtures)},
            "word": {"command": str(venv / "word_mcp_server"), "cwd": str(fixtures)},
            "markitdown": {"command": str(venv / "markitdown-mcp"), "cwd": str(fixtures)},
            "pdfreader": {
                "command": node_bin,
                "args": [str(modules / "@sylphx" / "pdf-reader-mcp" / "dist" / "index.js")],
                "cwd": str(fixtures),
            },
            "texteditor": {"command": str(legacy / "mcp-text-editor"), "cwd": str(fixtures)},
            "calc": {"command": node_bin, "args": [str(modules / "@coo-quack" / "calc-mcp" / "dist" / "index.js")]},
        }
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=default_dir(), help="where to install (default: %(default)s)")
    parser.add_argument("--fixtures-only", action="store_true", help="rebuild the fixtures and servers.json only")
    args = parser.parse_args(argv)
    root = args.dir.expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    (root / "duckdb-home").mkdir(exist_ok=True)
    if not args.fixtures_only:
        for name, packages in VENVS.items():
            install_venv(root, name, packages)
        install_npm(root)
    builder = root / "venv" / "bin" / "python"
    _run([str(builder), str(HERE / "fixtures.py"), str(root / "fixtures")])
    link_fixtures(root / "fixtures")
    config = root / "servers.json"
    config.write_text(json.dumps(servers_config(root), indent=2) + "\n")
    print(f"servers config: {config}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
