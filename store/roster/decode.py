"""Turning a CSV file's bytes into text, exactly as roster-format.md says.

Strict UTF-8 (with or without a BOM) first. Otherwise strict Big5 (cp950) and strict GBK are both
tried: the file is read only if exactly one of them decodes the whole file AND yields a header row we
recognise. Both or neither means we cannot tell, so the file is refused and UTF-8 asked for. gb18030
is never tried: Big5 bytes decode under it without error, as nonsense.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"
BIG5 = "cp950"
GBK = "gbk"
LEGACY = (BIG5, GBK)


@dataclass(frozen=True)
class Decoded:
    """The file's text and the encoding it was read with (one of the constants above)."""

    text: str
    encoding: str


class EncodingRefused(Exception):
    """The encoding cannot be told: ``code`` is ``encoding_ambiguous`` or ``encoding_unknown``."""

    def __init__(self, code: str, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(code)
        self.code = code
        self.candidates = candidates


def first_line(text: str) -> str:
    """The header row of a decoded CSV, without its line ending."""
    return text.split("\n", 1)[0].rstrip("\r")


def decode_csv(data: bytes, header_recognised: Callable[[str], bool]) -> Decoded:
    """Decode ``data``; ``header_recognised`` judges a candidate's first line.

    Raises :class:`EncodingRefused` when neither UTF-8 nor exactly one legacy encoding fits.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return Decoded(data[3:].decode(UTF8, errors="strict"), UTF8_BOM)
        except UnicodeDecodeError:
            raise EncodingRefused("encoding_unknown") from None
    try:
        return Decoded(data.decode(UTF8, errors="strict"), UTF8)
    except UnicodeDecodeError:
        pass
    fitting: list[Decoded] = []
    for encoding in LEGACY:
        try:
            text = data.decode(encoding, errors="strict")
        except UnicodeDecodeError:
            continue
        if header_recognised(first_line(text)):
            fitting.append(Decoded(text, encoding))
    if len(fitting) == 1:
        return fitting[0]
    if fitting:
        raise EncodingRefused("encoding_ambiguous", tuple(d.encoding for d in fitting))
    raise EncodingRefused("encoding_unknown")
