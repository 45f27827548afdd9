"""The CJK font charts are set in: Noto Sans CJK, installed by pip (``noto-cjk-sans-otc``).

The collection holds one face per region; matplotlib ≥ 3.11 loads every face of a ``.ttc``, so the
Traditional (TC) and Simplified (SC) faces are both there. Each face covers every hanzi of Big5 and
GB2312; the order only picks the regional glyph shapes, so a chart for a Simplified reader lists SC
first. DejaVu Sans (matplotlib's own) stays last for anything else.
"""

from __future__ import annotations

import threading

from matplotlib import font_manager
from matplotlib.font_manager import FontProperties

TRADITIONAL = "Noto Sans CJK TC"
SIMPLIFIED = "Noto Sans CJK SC"
FALLBACK = "DejaVu Sans"

_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Add the shipped collection to matplotlib's font manager (once per process; thread-safe)."""
    global _registered
    with _lock:
        if _registered:
            return
        import noto_cjk_sans_otc

        font_manager.fontManager.addfont(str(noto_cjk_sans_otc.FONT_PATH))
        _registered = True


def families(simplified: bool = False) -> list[str]:
    """The font family list for chart text: Traditional faces first unless ``simplified``."""
    cjk = [SIMPLIFIED, TRADITIONAL] if simplified else [TRADITIONAL, SIMPLIFIED]
    return [*cjk, FALLBACK]


def font(size: float, *, simplified: bool = False) -> FontProperties:
    """Font properties for one piece of chart text (fonts registered first)."""
    register_fonts()
    return FontProperties(family=families(simplified), size=size)
