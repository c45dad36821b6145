"""Settings for one OpenAI-compatible chat endpoint: model, base URL, secret API key, retries, deadlines.
Built from explicit arguments, a ModelConfig object, or EVOFLUX_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from evoflux.llm.cassette import CassetteMode
from evoflux.llm.errors import ModelNotConfigured
from evoflux.redaction import redact_urls

ENV_MODEL = "EVOFLUX_MODEL"
ENV_BASE_URL = "EVOFLUX_BASE_URL"
ENV_API_KEY = "EVOFLUX_API_KEY"
ENV_CASSETTE = "EVOFLUX_CASSETTE"
ENV_CASSETTE_MODE = "EVOFLUX_CASSETTE_MODE"


class ModelConfig(BaseModel):
    """Where and how to call a chat model. The API key is a SecretStr: it never shows in repr or logs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str | None = None
    base_url: str | None = None
    api_key: SecretStr | None = None
    request_timeout_s: float = Field(default=600.0, gt=0)
    call_deadline_s: float = Field(default=300.0, gt=0)
    max_retries: int = Field(default=3, ge=0, le=10)
    backoff_initial_s: float = Field(default=0.5, ge=0)
    backoff_max_s: float = Field(default=8.0, ge=0)
    cassette_path: Path | None = None
    cassette_mode: CassetteMode = CassetteMode.OFF

    def __repr_args__(self) -> Any:
        """Shown fields, a base URL's `user:password@` masked (the API key is masked by SecretStr)."""
        for name, value in super().__repr_args__():
            yield name, redact_urls(value) if name == "base_url" and value else value

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> ModelConfig:
        """Read EVOFLUX_MODEL, EVOFLUX_BASE_URL, EVOFLUX_API_KEY, EVOFLUX_CASSETTE(_MODE); overrides win."""
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for field, var in (("model", ENV_MODEL), ("base_url", ENV_BASE_URL), ("api_key", ENV_API_KEY)):
            text = source.get(var, "").strip()
            if text:
                values[field] = text
        cassette = source.get(ENV_CASSETTE, "").strip()
        if cassette:
            values["cassette_path"] = Path(cassette)
        mode = source.get(ENV_CASSETTE_MODE, "").strip()
        if mode:
            try:
                values["cassette_mode"] = CassetteMode(mode)
            except ValueError:
                choices = ", ".join(m.value for m in CassetteMode)
                raise ModelNotConfigured(
                    f"{ENV_CASSETTE_MODE}={mode!r} is not a cassette mode.", hint=f"Use one of: {choices}."
                ) from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_overrides(self, **overrides: Any) -> ModelConfig:
        """Copy with every non-None override applied (validated like the constructor)."""
        changes = {k: v for k, v in overrides.items() if v is not None}
        if not changes:
            return self
        return type(self)(**{**self.model_dump(), **changes})

    def secret_key(self) -> str | None:
        """The API key in clear text, for the HTTP client only."""
        return self.api_key.get_secret_value() if self.api_key is not None else None
