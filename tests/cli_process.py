"""``python -m bot …`` as a child process with a clean environment: what an operator's shell runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def cli_env(database: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_URL", "CAMPAIGN"))}
    env.update({"DATABASE_URL": f"sqlite:///{database}", "PYTHONPATH": str(ROOT), **extra})
    return env


def twovisits(*args: str, cwd: Path, env: dict[str, str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run the command line with the usual umask of 022, as a login shell would."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=env, text=True,
        capture_output="stdout" not in kwargs, timeout=120, preexec_fn=lambda: os.umask(0o022), check=False,
        **kwargs,
    )


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777
