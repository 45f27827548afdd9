"""Long answers as several Telegram messages, cut at line boundaries."""

from __future__ import annotations

from collections.abc import Iterable

MAX_MESSAGE = 4096  # Telegram's limit on a message's text


def _units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units): an emoji counts twice."""
    return len(text.encode("utf-16-le")) // 2


def _cut(line: str, limit: int) -> list[str]:
    """A line too long for one message, in pieces, never inside an HTML entity like ``&amp;``."""
    pieces: list[str] = []
    while _units(line) > limit:
        end = min(len(line), limit)
        while _units(line[:end]) > limit:
            end -= 1
        amp = line.rfind("&", max(0, end - 8), end)
        if amp > 0 and ";" not in line[amp:end]:
            end = amp
        pieces.append(line[:end])
        line = line[end:]
    pieces.append(line)
    return pieces


def split_message(lines: Iterable[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Join ``lines`` with newlines into as few texts of at most ``limit`` as the lines allow.

    The lines are ready to send (HTML already escaped, no tags spanning lines). A line longer than
    ``limit`` on its own is cut; an empty input gives no message.
    """
    texts: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        for piece in _cut(line, limit):
            extra = _units(piece) + (1 if current else 0)
            if current and size + extra > limit:
                texts.append("\n".join(current))
                current, size = [], 0
                extra = _units(piece)
            current.append(piece)
            size += extra
    if current and any(current):
        texts.append("\n".join(current))
    return texts
