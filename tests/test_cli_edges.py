"""The command line at its edges: a Bot API that is not there, a reader that went away."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from bot.cli import EXIT_BROKEN_PIPE
from tests.cli_process import cli_env, twovisits
from tests.conftest import SAMPLE_ROSTER


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_run_with_the_bot_api_unreachable_says_so_in_one_line(tmp_path: Path) -> None:
    env = cli_env(
        tmp_path / "twovisits.db",
        TELEGRAM_BOT_TOKEN="123456:closed-port",
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{_closed_port()}/bot",
        BOT_DEFAULT_LOCALE="en",
    )
    result = twovisits("run", cwd=tmp_path, env=env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("twovisits: cannot reach the Bot API at http://127.0.0.1:")


def test_output_to_a_closed_pipe_ends_quietly_with_sigpipes_exit_code(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -1` once head has gone
    try:
        result = twovisits(
            "roster", "import", str(SAMPLE_ROSTER), cwd=tmp_path, env=cli_env(tmp_path / "twovisits.db"),
            stdout=write_end, stderr=-1,
        )
    finally:
        os.close(write_end)
    assert result.returncode == EXIT_BROKEN_PIPE == 141
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    assert result.stderr == ""


def test_an_unknown_lang_for_export_and_report_is_refused_in_the_districts_language(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "twovisits.db")  # the default locale: zh-Hant
    for command in ("export", "report"):
        result = twovisits(command, "--out", str(tmp_path / "out"), "--lang", "xx", cwd=tmp_path, env=env)
        assert result.returncode != 0, command
        assert "Traceback" not in result.stderr
        assert result.stderr.strip() == "twovisits: --lang：不認識的語言 'xx'（可用 zh-Hant、zh-Hans 或 en）"
        assert not (tmp_path / "out").exists()
