"""Settings: names spelled as SPEC.md says, .env honoured, one-line errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import SettingsError, load_settings
from store.vocab import Locale


def test_defaults() -> None:
    settings = load_settings()
    assert settings.telegram_bot_token is None
    assert settings.database_url == "sqlite+aiosqlite:///./twovisits.db"
    assert settings.bot_timezone == "Asia/Shanghai"
    assert settings.bot_default_locale is Locale.ZH_HANT
    assert settings.resolved_campaign_file() is None


def test_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_DEFAULT_LOCALE=en\nTELEGRAM_BOT_TOKEN=123:abc\n", encoding="utf-8")
    (tmp_path / "campaign.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///data.db")
    settings = load_settings()
    assert settings.bot_default_locale is Locale.EN
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "123:abc"
    assert "123:abc" not in repr(settings)
    assert settings.database_url == "sqlite+aiosqlite:///data.db"
    assert settings.resolved_campaign_file() == Path("campaign.toml")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_TIMEZONE", "Mars/Base"),
        ("BOT_DEFAULT_LOCALE", "fr"),
        ("DATABASE_URL", "mysql://x/y"),
        ("TELEGRAM_API_BASE_URL", "ftp://x"),
        ("TELEGRAM_BOT_TOKEN", "no-colon"),
    ],
)
def test_wrong_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=f"^{name}: "):
        load_settings()
    assert main(["run"]) != 0
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and name in err


# Without a token, `run` is the local sandbox: tests/test_sandbox_launcher.py.


def test_run_with_an_unreachable_api_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:unreachable-token")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9/bot")  # nothing listens on port 9
    assert main(["run"]) != 0
    err = capsys.readouterr().err.strip()
    assert "http://127.0.0.1:9/bot" in err and "Bot API" in err
    assert "\n" not in err and "unreachable-token" not in err


def test_run_with_a_broken_campaign_file_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "campaign.toml").write_text('colour = "red"\n', encoding="utf-8")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:some-token")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9/bot")
    assert main(["run"]) != 0
    err = capsys.readouterr().err.strip()
    assert "colour: unknown key" in err and "\n" not in err
