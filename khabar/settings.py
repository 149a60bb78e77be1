"""Settings from the environment and `.env`, built once at the entry point via `get_settings()`."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_home() -> Path:
    return Path(platformdirs.user_data_dir("khabar"))


def default_model_dir() -> Path:
    return Path(platformdirs.user_cache_dir("khabar")) / "models"


# FreeDict's dictd indexes by the script they translate into: English→Arabic for English questions,
# Arabic→English for a mixed corpus's English side; and the language of each one's headwords
DICTIONARIES = {"arabic": "freedict-eng-ara.index", "latin": "freedict-ara-eng.index"}
DICTIONARY_SOURCES = {"arabic": "en", "latin": "ar"}


def dictionaries_off(setting: str) -> bool:
    """KHABAR_DICTIONARY asks for no dictionary (none, off or empty)."""
    return setting.strip().lower() in ("", "none", "off")


def default_dictionary_dir() -> Path:
    """Where `scripts/get-dictionary.sh` unpacks FreeDict's dictionaries when they are not installed system-wide."""
    return Path(platformdirs.user_cache_dir("khabar")) / "dictionaries"


def dictionary_places() -> tuple[Path, ...]:
    """Where KHABAR_DICTIONARY=auto looks: Debian's packages, then the copies `scripts/get-dictionary.sh` unpacks."""
    return (Path("/usr/share/dictd"), default_dictionary_dir())


def dictionary_folder(setting: str) -> Path | None:
    """The folder KHABAR_DICTIONARY names, or None for auto and for none, off or empty."""
    value = setting.strip()
    return None if dictionaries_off(value) or value.lower() == "auto" else Path(value).expanduser()


def find_dictionaries(setting: str, places: tuple[Path, ...] | None = None) -> dict[str, Path]:
    """The dictd indexes KHABAR_DICTIONARY points at, by the script they translate into ("arabic", "latin").

    "auto" takes each from the first of `places` that has it; none, off or empty is none; anything else is a
    folder holding FreeDict's files (either or both).
    """
    if dictionaries_off(setting):
        return {}
    folder = dictionary_folder(setting)
    folders = (folder,) if folder is not None else dictionary_places() if places is None else places
    found: dict[str, Path] = {}
    for into, name in DICTIONARIES.items():
        for where in folders:
            if (where / name).is_file():
                found[into] = where / name
                break
    return found


class Settings(BaseSettings):
    """Every Khabar setting; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # index and models
    khabar_home: Path = Field(default_factory=default_home)
    khabar_model_dir: Path = Field(default_factory=default_model_dir)
    khabar_embedding_model: str = "intfloat/multilingual-e5-small"
    khabar_embedding_backend: str = "auto"  # auto | onnx | torch
    khabar_max_seq_length: int = 512  # longer chunks: XQuAD en→ar R@1 0.604 → 0.661 (README)
    khabar_threads: int = 0  # 0 = number of cores
    khabar_corpus_path: str = ""  # what /reindex and `khabar ingest` with no PATH ingest
    khabar_collection: str = "khabar"
    # a corpus with Arabic and English articles: added to the other language's cosines (0 = one search)
    khabar_cross_language_bonus: float = Field(default=0.05, ge=0.0, le=1.0)
    # FreeDict's English-Arabic (and Arabic-English) dictionaries for questions over the other language's
    # articles: auto | none | a folder holding their dictd files
    khabar_dictionary: str = "auto"

    # Chroma server mode (empty host = embedded PersistentClient under KHABAR_HOME)
    chroma_host: str = ""
    chroma_port: int = 8000
    chroma_ssl: bool = False
    chroma_auth_token: SecretStr | None = None
    chroma_auth_header: str = "Authorization"  # or X-Chroma-Token

    # answers
    khabar_llm: str = ""  # "", "openai:<model>", "ollama:<model>"
    khabar_llm_timeout: float = 30.0
    openai_base_url: str = ""
    openai_api_key: SecretStr | None = None
    ollama_base_url: str = "http://127.0.0.1:11434"
    khabar_max_question_chars: int = 1000

    # Discord
    discord_token: SecretStr | None = None
    discord_guild_id: int | None = None
    discord_allowed_channels: str = ""  # comma-separated channel ids; empty = all
    discord_user_cooldown_s: float = 10.0
    discord_guild_concurrency: int = 4
    discord_admin_role: str = ""  # role name that may /reindex besides Manage Server

    log_level: str = "INFO"

    @property
    def allowed_channel_ids(self) -> frozenset[int]:
        return frozenset(int(x) for x in self.discord_allowed_channels.replace(" ", "").split(",") if x)


def get_settings(**overrides) -> Settings:
    """Build settings now (never at import time) so tests and CLIs can override them."""
    return Settings(**overrides)
