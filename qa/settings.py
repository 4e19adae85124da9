"""One Settings object for every knob: defaults, then env `QA_*`, then CLI flags."""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import QAError

LLM_CHOICES = ("auto", "none", "local", "openai")


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _user_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qa"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path(".qa")
    # derived from the code and the embedding model only, so shared by every data directory
    cache_dir: Path = field(default_factory=_user_cache_dir)
    sources: tuple[Path, ...] = (Path("data"),)
    chroma_url: str = ""
    collection: str = "papers"
    embedding_model: str = "minilm-int8"
    embedding_base_url: str = ""
    listing_year: int = 2026
    chunk_tokens: int = 200
    chunk_overlap_tokens: int = 40
    k: int = 5
    llm: str = "auto"
    # auto: the LLM few-shot router with a capable LLM, else the trained intent model (qa.intent); model (or its
    # old name offline): always the intent model; llm: the LLM router whatever the LLM
    router: str = "auto"
    llm_model: str = "gpt-4o-mini"
    llm_base_url: str = ""
    llm_model_path: str = ""  # QA_LLM=local: a GGUF file (default: the fetched 1.5B model, else SmolLM2)
    llm_api_key: str = field(default="", repr=False)
    openai_api_key: str = field(default="", repr=False)
    llm_timeout: float | None = None  # seconds per answer; None: 30 for a remote LLM, 120 for QA_LLM=local
    llm_max_retries: int = 2
    llm_context_tokens: int = 8192
    max_question_chars: int = 2000
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Defaults < environment < explicit overrides (None means 'not given')."""
        env: dict = {}
        try:
            if (v := _env("QA_DATA_DIR")):
                env["data_dir"] = Path(v)
            if (v := _env("QA_CACHE_DIR")):
                env["cache_dir"] = Path(v)
            if (v := _env("QA_SOURCES")):
                env["sources"] = tuple(Path(p) for p in v.split(os.pathsep) if p)
            for key, name in [("chroma_url", "QA_CHROMA_URL"), ("collection", "QA_COLLECTION"),
                              ("embedding_model", "QA_EMBEDDING_MODEL"),
                              ("embedding_base_url", "QA_EMBEDDING_BASE_URL"),
                              ("llm", "QA_LLM"), ("router", "QA_ROUTER"), ("llm_model", "QA_LLM_MODEL"),
                              ("llm_base_url", "QA_LLM_BASE_URL"),
                              ("llm_model_path", "QA_LLM_MODEL_PATH"), ("llm_api_key", "QA_LLM_API_KEY"),
                              ("openai_api_key", "OPENAI_API_KEY"), ("host", "QA_HOST"),
                              ("auth", "QA_AUTH")]:
                if (v := _env(name)) is not None:
                    env[key] = v
            for key, name in [("listing_year", "QA_LISTING_YEAR"), ("chunk_tokens", "QA_CHUNK_TOKENS"),
                              ("chunk_overlap_tokens", "QA_CHUNK_OVERLAP_TOKENS"), ("k", "QA_K"),
                              ("llm_max_retries", "QA_LLM_MAX_RETRIES"),
                              ("llm_context_tokens", "QA_LLM_CONTEXT_TOKENS"),
                              ("max_question_chars", "QA_MAX_QUESTION_CHARS"), ("port", "QA_PORT")]:
                if (v := _env(name)) is not None:
                    env[key] = int(v)
            if (v := _env("QA_LLM_TIMEOUT")) is not None:
                env["llm_timeout"] = float(v)
        except ValueError as exc:
            raise QAError(f"invalid QA_* setting: {exc}") from None
        env.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**env)
        settings.validate()
        return settings

    def replace(self, **changes) -> "Settings":
        changed = dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})
        changed.validate()
        return changed

    def validate(self) -> None:
        if self.llm not in LLM_CHOICES:
            raise QAError(f"QA_LLM must be one of {', '.join(LLM_CHOICES)}, not {self.llm!r}")
        if self.router not in ("auto", "offline", "llm", "model"):
            raise QAError(f"QA_ROUTER must be auto, offline, llm or model, not {self.router!r}")
        if not 64 <= self.chunk_tokens <= 8000:
            raise QAError("chunk budget (QA_CHUNK_TOKENS) must be between 64 and 8000 tokens")
        if not 0 <= self.chunk_overlap_tokens < self.chunk_tokens:
            raise QAError("chunk overlap must be at least 0 and below the chunk budget")
        if not 1 <= self.k <= 100:
            raise QAError("k must be between 1 and 100")
        if self.chroma_url and not self.chroma_url.startswith(("http://", "https://")):
            raise QAError(f"QA_CHROMA_URL must start with http:// or https://, not {self.chroma_url!r}")
        if not 1 <= self.port <= 65535:
            raise QAError("port must be between 1 and 65535")

    @property
    def store_description(self) -> str:
        return f"chroma server {self.chroma_url}" if self.chroma_url else f"embedded chroma at {self.data_dir}"
