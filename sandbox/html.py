"""Telegram-flavoured HTML parse mode: validation, plain-text extraction, entity offsets.

Follows tdlib's `parse_html`: only the tags Telegram supports are accepted, `&lt; &gt; &amp;
&quot;` and numeric character references are decoded, an unknown `&name;` stays literal, and
every problem is reported the way the Bot API reports it ("can't parse entities: ...").
Entity offsets/lengths are in UTF-16 code units, like the real API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SUPPORTED_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
     "tg-emoji", "code", "pre", "blockquote"}
)
ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "tg-emoji": "custom_emoji", "a": "text_link",
    "code": "code", "pre": "pre", "blockquote": "blockquote",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_CHARS = re.compile(r"[A-Za-z0-9-]*")
_ATTR_NAME = re.compile(r"[A-Za-z0-9_-]*")
_CHAR_REF = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z]{2,6}));")


class HtmlParseError(ValueError):
    """Raised for HTML Telegram would reject; str(exc) is tdlib's message."""


@dataclass
class ParsedText:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Open:
    tag: str
    start16: int
    attrs: dict[str, str]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def text_length(text: str) -> int:
    """The length Telegram checks against its limits (code points)."""
    return len(text)


def _byte_offset(src: str, index: int) -> int:
    return len(src[:index].encode("utf-8"))


def _decode_ref(src: str, i: int) -> tuple[str, int] | None:
    m = _CHAR_REF.match(src, i)
    if not m:
        return None
    dec, hexa, name = m.groups()
    if name is not None:
        ch = NAMED_ENTITIES.get(name)
        return (ch, m.end()) if ch else None
    code = int(dec) if dec is not None else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), m.end()


def unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "&" and (ref := _decode_ref(value, i)):
            out.append(ref[0])
            i = ref[1]
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _parse_attrs(src: str, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Parse attributes starting at `i`; return them and the index just past '>'."""
    attrs: dict[str, str] = {}
    n = len(src)
    while True:
        while i < n and src[i].isspace():
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        if src[i] == ">":
            return attrs, i + 1
        if src[i] == "/" and i + 1 < n and src[i + 1] == ">":
            return attrs, i + 2
        m = _ATTR_NAME.match(src, i)
        name = m.group(0).lower() if m else ""
        if not name:
            raise HtmlParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(src, begin)}'
            )
        i += len(name)
        while i < n and src[i].isspace():
            i += 1
        if i >= n or src[i] != "=":
            attrs[name] = ""  # valueless attribute, e.g. <blockquote expandable>
            continue
        i += 1
        while i < n and src[i].isspace():
            i += 1
        if i < n and src[i] in "\"'":
            quote = src[i]
            end = src.find(quote, i + 1)
            if end < 0:
                raise HtmlParseError(
                    f'Unclosed end of attribute value in the tag "{tag}" at byte offset '
                    f"{_byte_offset(src, begin)}"
                )
            attrs[name] = unescape(src[i + 1 : end])
            i = end + 1
        else:
            j = i
            while j < n and not src[j].isspace() and src[j] != ">":
                j += 1
            attrs[name] = unescape(src[i:j])
            i = j


def parse_html(src: str) -> ParsedText:
    """Parse Telegram HTML into plain text + message entities, or raise HtmlParseError."""
    out: list[str] = []
    pos16 = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == "&":
            ref = _decode_ref(src, i)
            ch, i = ref if ref else ("&", i + 1)
            out.append(ch)
            pos16 += utf16_len(ch)
            continue
        if c != "<":
            j = i
            while j < n and src[j] not in "<&":
                j += 1
            chunk = src[i:j]
            out.append(chunk)
            pos16 += utf16_len(chunk)
            i = j
            continue
        begin = i
        if i + 1 < n and src[i + 1] == "/":
            end = src.find(">", i + 2)
            if end < 0:
                raise HtmlParseError(f"Unclosed end tag at byte offset {_byte_offset(src, begin)}")
            name = src[i + 2 : end].strip().lower()
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {_byte_offset(src, begin)}")
            top = stack[-1]
            if name != top.tag:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(src, begin)}, "
                    f'expected "</{top.tag}>", found "</{name}>"'
                )
            stack.pop()
            _close(top, pos16, entities, stack)
            i = end + 1
            continue
        m = _TAG_CHARS.match(src, i + 1)
        raw_name = m.group(0) if m else ""
        if not raw_name:
            raise HtmlParseError(f"Empty tag name at byte offset {_byte_offset(src, begin)}")
        tag = raw_name.lower()
        if tag not in SUPPORTED_TAGS:
            raise HtmlParseError(
                f'Unsupported start tag "{raw_name}" at byte offset {_byte_offset(src, begin)}'
            )
        attrs, i = _parse_attrs(src, i + 1 + len(raw_name), tag, begin)
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(src, begin)}'
            )
        if tag == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise HtmlParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset '
                f"{_byte_offset(src, begin)}"
            )
        stack.append(_Open(tag, pos16, attrs))
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText("".join(out), entities)


def _close(tag: _Open, pos16: int, entities: list[dict[str, Any]], stack: list[_Open]) -> None:
    length = pos16 - tag.start16
    if tag.tag == "code" and stack and stack[-1].tag == "pre":
        lang = tag.attrs.get("class", "")
        if lang.startswith("language-"):
            stack[-1].attrs["language"] = lang.removeprefix("language-")
        return
    if length <= 0:
        return
    entity: dict[str, Any] = {"type": ENTITY_TYPES[tag.tag], "offset": tag.start16, "length": length}
    if tag.tag == "a":
        href = tag.attrs.get("href", "")
        if not href:
            return
        entity["url"] = href
    elif tag.tag == "tg-emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    elif tag.tag == "pre" and tag.attrs.get("language"):
        entity["language"] = tag.attrs["language"]
    elif tag.tag == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    entities.append(entity)


def strip_html(src: str) -> str:
    """Plain text of valid Telegram HTML; falls back to a crude strip for invalid input."""
    try:
        return parse_html(src).text
    except HtmlParseError:
        return unescape(re.sub(r"<[^>]*>", "", src))


def trim(parsed: ParsedText) -> ParsedText:
    """Strip leading/trailing whitespace like Telegram does, shifting entities accordingly."""
    text = parsed.text
    stripped = text.strip()
    if stripped == text:
        return parsed
    lead16 = utf16_len(text[: len(text) - len(text.lstrip())])
    total16 = utf16_len(stripped)
    entities = []
    for ent in parsed.entities:
        start = max(0, ent["offset"] - lead16)
        end = min(total16, ent["offset"] + ent["length"] - lead16)
        if end > start:
            entities.append({**ent, "offset": start, "length": end - start})
    return ParsedText(stripped, entities)
