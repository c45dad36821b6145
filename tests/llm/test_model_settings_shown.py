"""Model settings and model errors never show the credentials of a base URL."""

from __future__ import annotations

from evoflux.llm import ModelConfig
from evoflux.llm.errors import ModelUnreachable


def test_base_url_credentials_are_masked_in_the_settings_repr() -> None:
    config = ModelConfig(model="m", base_url="https://alice:s3cret-pw@models.example/v1", api_key="sk-abc")
    shown = f"{config!r} {config}"
    assert "https://***@models.example/v1" in shown
    assert "s3cret-pw" not in shown and "sk-abc" not in shown
    assert config.base_url == "https://alice:s3cret-pw@models.example/v1"  # the client still gets it


def test_model_errors_mask_base_url_credentials() -> None:
    url = "https://alice:s3cret-pw@models.example/v1"
    error = ModelUnreachable(
        f"Cannot connect to the model server at {url}", base_url=url, hint=f"Is {url} up?"
    )
    assert (
        str(error)
        == "Cannot connect to the model server at https://***@models.example/v1\nIs https://***@models.example/v1 up?"
    )
