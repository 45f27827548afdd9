"""Charts: PNG bytes, readable sizes, and no missing glyph for Traditional or Simplified labels."""

from __future__ import annotations

import io
import warnings
from datetime import date

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.i18n import catalogue
from reports.charts import (
    Bar,
    ChartWords,
    CoverageChart,
    TrendChart,
    TrendPoint,
    render_coverage,
    render_trend,
)
from reports.fonts import font
from sandbox.messages import image_size
from store.vocab import Locale

PNG = b"\x89PNG\r\n\x1a\n"
WORDS = ChartWords("已訪談", "一對一", "100%", "一對一目標 80%", "目標進度")


def hanzi_of_catalogue(locale: Locale) -> str:
    """Every CJK character our translations use: what charts and captions will show."""
    text = "".join(v if isinstance(v, str) else "".join(v) for v in catalogue(locale).values())
    return "".join(sorted({ch for ch in text if "\u3400" <= ch <= "\u9fff"}))


def chart(labels: list[str], simplified: bool = False) -> CoverageChart:
    bars = tuple(Bar(label, 40, 30 - i % 30, 20 - i % 20) for i, label in enumerate(labels))
    return CoverageChart("第一中學 · 覆蓋率", "截至 2027-01-12", bars, (Bar("教師訪談", 60, 40, 38),),
                         1.0, 0.8, WORDS, simplified=simplified)


@pytest.mark.parametrize(("locale", "names"), [
    (Locale.ZH_HANT, ["七年級3班", "第一中學", "廣東省實驗學校", "龍華區鑫灣學校"]),
    (Locale.ZH_HANS, ["七年级3班", "第一中学", "广东省实验学校", "龙华区鑫湾学校"]),
])
def test_no_missing_glyph_in_traditional_or_simplified(locale: Locale, names: list[str]) -> None:
    chars = hanzi_of_catalogue(locale)
    assert len(chars) > 200
    # Labels of 30 characters: every character our catalogues use, plus school and class names.
    labels = names + [chars[i : i + 30] for i in range(0, len(chars), 30)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" becomes a failure
        png = render_coverage(chart(labels, simplified=locale is Locale.ZH_HANS))
    assert png.startswith(PNG)


def test_the_check_would_catch_a_missing_glyph() -> None:
    """Without the CJK font, matplotlib warns: the test above can fail."""
    fig = Figure()
    fig.text(0, 0, "七年級", fontproperties=font(12)).set_fontfamily(["DejaVu Sans"])
    with warnings.catch_warnings(), pytest.raises(UserWarning, match="missing from font"):
        warnings.simplefilter("error")
        FigureCanvasAgg(fig).print_png(io.BytesIO())


def test_54_classes_stay_one_row_each_and_readable() -> None:
    png = render_coverage(chart([f"{g}年級{n}班" for g in "七八九" for n in range(1, 19)]))
    width, height = image_size(png)
    assert width == 800
    assert 54 * 50 < height < 54 * 60 + 400  # ≈ 52 px a row, every row readable
    assert height <= 20 * width  # Telegram's photo limits: ratio ≤ 20, width + height ≤ 10 000
    assert width + height <= 10_000


def test_trend_chart() -> None:
    points = tuple(TrendPoint(date(2026, 12, 16 + 7 * i), 0.1 * i, 0.07 * i) for i in range(3))
    trend = TrendChart("第一中學 · 趨勢", "每週累計", points, date(2026, 12, 16), date(2027, 2, 28), 1.0, 0.8,
                       WORDS)
    png = render_trend(trend)
    assert png.startswith(PNG) and image_size(png)[0] == 800


def test_a_chart_without_rows_still_draws() -> None:
    empty = CoverageChart("第一中學 · 覆蓋率", "—", (), (), 1.0, 0.8, WORDS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert render_coverage(empty).startswith(PNG)
