"""A static PNG of the progress map's lights (全部指标, one period): the picture in the Word 通报.

Drawn from the same page data as the HTML progress map (:func:`minshi_geo.maps.progress.
progress_page`): the same states, words and colours (:mod:`minshi_geo.lights`), so the picture
in the document and the map on the intranet agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from minshi_geo import atomic, lights
from minshi_geo.maps.geometry import DEFAULT_TOLERANCE, region_shapes
from minshi_geo.maps.legend import NO_DATA
from minshi_geo.maps.png import _Canvas, cjk_font, region_outlines
from minshi_geo.maps.progress import ALL_TARGETS, progress_page


def write_progress_png(
    status: pd.DataFrame,
    regions: Any,
    out_png: str | Path,
    *,
    plan: Any = None,
    period: int | None = None,
    thresholds: lights.Thresholds = lights.Thresholds(),
    dpi: int = 150,
    tolerance: float = DEFAULT_TOLERANCE,
    title: str | None = None,
) -> Path:
    """Write the regions coloured by their overall state (the 全部指标 light view) for one
    reporting period (index into the status table's periods; default the latest)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    font = cjk_font()
    data, view = progress_page(status, regions, plan=plan, thresholds=thresholds)
    p = len(data.periods) - 1 if period is None else period
    v = data.views[f"{ALL_TARGETS}|light|{p}"]
    shapes = region_shapes(view.frame, view.codes, tolerance=tolerance)
    rc = {"font.family": "sans-serif", "font.sans-serif": [font, "DejaVu Sans"],
          "axes.unicode_minus": False, "text.parse_math": False}
    out_png = Path(out_png)
    with matplotlib.rc_context(rc):
        fig, ax = plt.subplots(figsize=(7, 6))
        fig.subplots_adjust(left=0.02, right=0.98, top=0.93, bottom=0.04)
        canvas = _Canvas(ax, shapes, view.labels, view.points, 8,
                         region_outlines(shapes, view.points))
        canvas.declutter(fig)
        canvas.paint([v["legend"][c][0] if c >= 0 else NO_DATA for c in v["cls"]])
        mark = "（示例数据）" if data.banner else ""
        ax.set_title(title or f"各地区综合进度（截至{data.periods[p]}）{mark}", fontsize=12)
        used = sorted({c for c in v["cls"] if c >= 0})
        handles = [Patch(facecolor=v["legend"][c][0], edgecolor="#777777",
                         label=v["legend"][c][1]) for c in used]
        ax.legend(handles=handles, title="综合状态", loc="lower right", fontsize=8,
                  title_fontsize=9, frameon=True)
        with atomic.atomic_path(out_png) as tmp:
            fig.savefig(tmp, format="png", dpi=dpi,
                        metadata={"Title": ax.get_title(), "Description": data.subtitle})
        plt.close(fig)
    return out_png
