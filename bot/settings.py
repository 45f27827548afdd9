"""The bot's settings, from the environment and ``.env`` (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from store.clock import check_timezone
from store.db import DEFAULT_DATABASE_URL, normalize_database_url
from store.vocab import Locale

TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILES = "https://api.telegram.org/file/bot"


class SettingsError(ValueError):
    """A setting has a wrong value; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = TELEGRAM_API
    telegram_file_base_url: str = TELEGRAM_FILES
    database_url: str = DEFAULT_DATABASE_URL
    bot_timezone: str = "Asia/Shanghai"
    bot_default_locale: Locale = Locale.ZH_HANT
    campaign_file: Path | None = Field(default=None)
    # Whether Telegram counts replies to people who just wrote toward its 30/s: "strict" (they count;
    # the safe default) or "bulk" (only bulk does). docs/design.md, "Sending".
    bot_flood_model: Literal["strict", "bulk"] = "strict"

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _token(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            if ":" not in value:
                raise ValueError("does not look like a bot token (expected 123456:ABC…)")
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        return normalize_database_url(value)

    @field_validator("bot_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("telegram_api_base_url", "telegram_file_base_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @field_validator("bot_default_locale", mode="before")
    @classmethod
    def _locale(cls, value: object) -> object:
        if isinstance(value, str):
            for locale in Locale:
                if value.strip().lower().replace("_", "-") == locale.value.lower():
                    return locale
        return value

    def resolved_campaign_file(self) -> Path | None:
        """``CAMPAIGN_FILE`` if set, else ``campaign.toml`` when one is present, else None (defaults)."""
        if self.campaign_file is not None:
            return self.campaign_file
        candidate = Path("campaign.toml")
        return candidate if candidate.is_file() else None


def _one_line(exc: ValidationError) -> str:
    err = exc.errors()[0]
    name = str(err["loc"][0]).upper() if err["loc"] else "settings"
    message = err["msg"].removeprefix("Value error, ")
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{name}: {message}{more}"


def load_settings() -> Settings:
    """Read the settings; raises :class:`SettingsError` with a one-line message on a wrong value."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
