"""Example workflows over the bundled servers, used by `evoflux demo` and as a starting point for users.

Data files only; the loader below finds them wherever the package is installed.
"""

from importlib.resources import files
from pathlib import Path


def example_paths() -> list[Path]:
    """The bundled example workflow files, in name order."""
    folder = Path(str(files(__package__)))
    return sorted(folder.glob("*.json"))
