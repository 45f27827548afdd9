"""The summary report (總結報告) as PDF bytes: plain data in, A4 pages out.

Drawn with matplotlib's Figure API on its PDF backend (no pyplot, so it runs in a worker thread), in
the shipped Noto Sans CJK collection. Why this writer: the collection has CFF outlines, and
matplotlib's PDF backend embeds them as subsetted Type 3 fonts with a ToUnicode map, so the pages
show real glyphs in every viewer and their text can be extracted and searched; it also keeps the
dependency list as it is (fpdf2 or reportlab would be a second PDF writer beside the charts).

The layout is a simple flow from top to bottom: a title, the headline figures as a two-column
table, the coverage chart (a PNG from ``reports.charts``) scaled to the page's width, then sections
of lines or tables; a new page starts whenever the next thing does not fit.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib.image
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from reports.fonts import font

PAGE_W, PAGE_H = 8.27, 11.69  # A4, inches
MARGIN = 0.7
TITLE_PT, HEADING_PT, BODY_PT, SMALL_PT = 18, 13, 10.5, 8.5
LINE_IN = 0.22  # one body line
GREY = "#525252"
MIN_SHRINK = 0.6  # a chart may shrink to this share of its size to stay on the current page


@dataclass(frozen=True)
class Section:
    """A heading and its body: ``lines`` of text, or a table (``header`` and ``rows``) whose columns
    start at ``columns`` (fractions of the text width)."""

    title: str
    lines: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    columns: tuple[float, ...] = ()
    note: str = ""  # small grey text under the body


@dataclass(frozen=True)
class SummaryReport:
    """Everything the PDF shows, already computed and translated."""

    title: str
    subtitle: str
    headline_title: str
    headline: tuple[tuple[str, str], ...]
    chart_png: bytes | None = None
    sections: tuple[Section, ...] = ()
    footer: str = ""
    simplified: bool = False
    meta_title: str = ""
    keywords: tuple[str, ...] = field(default_factory=tuple)


def _width(text: str) -> int:
    """Display width in half-width cells: a hanzi or full-width sign counts 2."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, cells: int) -> list[str]:
    """Break ``text`` into lines of at most ``cells`` half-width cells, at spaces where possible
    (Latin text) and anywhere between hanzi."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in _tokens(paragraph):
            if line and _width(line + word) > cells:
                lines.append(line.rstrip())
                line = word.lstrip()
            else:
                line += word
            while _width(line) > cells:  # one word longer than a line
                cut = 1
                while cut < len(line) and _width(line[: cut + 1]) <= cells:
                    cut += 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    """Latin words with their following space; every wide character alone."""
    out: list[str] = []
    word = ""
    for c in text:
        if unicodedata.east_asian_width(c) in "WF":
            if word:
                out.append(word)
                word = ""
            out.append(c)
        else:
            word += c
            if c == " ":
                out.append(word)
                word = ""
    if word:
        out.append(word)
    return out


class _Pages:
    """A cursor over A4 figures: ``need(h)`` starts a new page unless ``h`` inches still fit."""

    def __init__(self, pdf: PdfPages, report: SummaryReport) -> None:
        self.pdf, self.report = pdf, report
        self.fig: Figure | None = None
        self.y = 0.0  # inches from the top
        self.number = 0

    def _font(self, size: float) -> FontProperties:
        return font(size, simplified=self.report.simplified)

    def need(self, height: float) -> Figure:
        if self.fig is None or self.y + height > PAGE_H - MARGIN:
            self.close()
            self.fig = Figure(figsize=(PAGE_W, PAGE_H))
            self.number += 1
            self.y = MARGIN
        return self.fig

    def close(self) -> None:
        if self.fig is None:
            return
        footer = f"{self.report.footer} · {self.number}" if self.report.footer else str(self.number)
        self.fig.text(0.5, 0.4 / PAGE_H, footer, ha="center", color=GREY, fontproperties=self._font(SMALL_PT))
        self.pdf.savefig(self.fig)
        self.fig = None

    def text(self, x_in: float, line: str, size: float, *, color: str = "black",
             height: float = LINE_IN) -> None:
        fig = self.need(height)
        fig.text(x_in / PAGE_W, 1 - (self.y + height * 0.75) / PAGE_H, line, color=color,
                 fontproperties=self._font(size))
        self.y += height

    def row(self, cells: Sequence[str], columns: Sequence[float], size: float, *,
            color: str = "black") -> None:
        fig = self.need(LINE_IN)
        width = PAGE_W - 2 * MARGIN
        for cell, at in zip(cells, columns, strict=False):
            fig.text((MARGIN + at * width) / PAGE_W, 1 - (self.y + LINE_IN * 0.75) / PAGE_H, cell,
                     color=color, fontproperties=self._font(size))
        self.y += LINE_IN

    def image(self, png: bytes) -> None:
        pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
        rows, cols = pixels.shape[0], pixels.shape[1]
        width = PAGE_W - 2 * MARGIN
        height = width * rows / cols
        usable = PAGE_H - 2 * MARGIN - 0.3
        if height > usable:  # a district of many schools: keep the whole chart on one page
            width, height = width * usable / height, usable
        room = PAGE_H - MARGIN - self.y - 0.1
        if self.fig is not None and height * MIN_SHRINK <= room < height:
            # Nearly fits under what is on the page already: shrink it rather than leave a blank half.
            width, height = width * room / height, room
        fig = self.need(height + 0.1)
        ax = fig.add_axes((MARGIN / PAGE_W, 1 - (self.y + height) / PAGE_H, width / PAGE_W, height / PAGE_H))
        ax.imshow(pixels, interpolation="lanczos")
        ax.set_axis_off()
        self.y += height + 0.1


def _cells(fraction: float) -> int:
    """Half-width cells of body text that fit ``fraction`` of the text width."""
    return max(10, int((PAGE_W - 2 * MARGIN) * fraction * 72 / (BODY_PT * 0.5)))


def render_pdf(report: SummaryReport) -> bytes:
    """The report as PDF bytes (one or more A4 pages)."""
    buffer = io.BytesIO()
    metadata = {"Title": report.meta_title or report.title, "Creator": "twovisits",
                "Keywords": " ".join(report.keywords)}
    with PdfPages(buffer, metadata=metadata) as pdf:
        pages = _Pages(pdf, report)
        pages.text(MARGIN, report.title, TITLE_PT, height=0.4)
        pages.text(MARGIN, report.subtitle, BODY_PT, color=GREY, height=0.3)
        pages.text(MARGIN, report.headline_title, HEADING_PT, height=0.35)
        for label, value in report.headline:
            pages.row((label, value), (0.0, 0.62), BODY_PT)
        pages.y += 0.15
        if report.chart_png is not None:
            pages.image(report.chart_png)
        for section in report.sections:
            _section(pages, section)
        pages.close()
    return buffer.getvalue()


def _section(pages: _Pages, section: Section) -> None:
    pages.need(0.35 + LINE_IN * 2)  # no heading alone at the foot of a page
    pages.y += 0.1
    pages.text(MARGIN, section.title, HEADING_PT, height=0.35)
    for line in section.lines:
        for piece in wrap(line, _cells(1.0)):
            pages.text(MARGIN, piece, BODY_PT)
    if section.header:
        pages.row(section.header, section.columns, BODY_PT, color=GREY)
    for row in section.rows:
        pages.row(row, section.columns, BODY_PT)
    if section.note:
        for piece in wrap(section.note, int(_cells(1.0) * BODY_PT / SMALL_PT)):
            pages.text(MARGIN, piece, SMALL_PT, color=GREY, height=LINE_IN * 0.9)
