"""Whether the real local 1.5B model can run here: shared by the end-to-end tests and the cassette recorders."""

from __future__ import annotations

import importlib.util
import os

from evoflux.llm import default_cache_dir, model_spec
from evoflux.llm.model_files import installed_part_files


def local_model_unavailable() -> str | None:
    """Why the real 1.5B model cannot run here, or None when it can."""
    if importlib.util.find_spec("xllamacpp") is None:
        return "xllamacpp is not installed (pip install 'evoflux[local]')"
    spec = model_spec("local")
    if os.environ.get("EVOFLUX_MODEL_PATH") or (default_cache_dir() / spec.filename).is_file():
        return None
    _, missing = installed_part_files(spec)
    if missing:
        return f"the 1.5B model is not cached and {len(missing)} of its 22 part packages are missing"
    return None
