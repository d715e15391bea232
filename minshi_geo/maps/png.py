"""Static PNGs for reports: one per target and an overview grid, Chinese labels included.

The colours and classes are the HTML map's (:func:`minshi_geo.maps.allocation.allocation_page`),
so a report and the interactive map agree. Chinese text needs a CJK font: Debian's
``fonts-noto-cjk`` (installed by ``.ci/run``), 微软雅黑 / 黑体 / 宋体 on Windows, PingFang SC /
华文黑体 on macOS — any family of :data:`minshi_geo.fonts.CJK_FAMILIES`; without one the export
stops with a clear error rather than drawing tofu boxes.
"""

from __future__ import annotations

import math
from pathlib import Path

from shapely.geometry import shape

from minshi_geo import atomic, fonts
from minshi_geo.allocation import Allocation
from minshi_geo.errors import MinshiError
from minshi_geo.escape import safe_filename
from minshi_geo.fonts import FontMissingError  # noqa: F401  (re-exported)
from minshi_geo.maps.allocation import allocation_page
from minshi_geo.maps.geometry import DEFAULT_TOLERANCE, region_shapes
from minshi_geo.maps.legend import NO_DATA
from minshi_geo.maps.regions_view import RegionsLike

CJK_FONTS = fonts.family_names()  # the documented list, in minshi_geo/fonts.py
OVERVIEW_FILE = "overview.png"
PNG_MODES = ("quantity", "per10k", "share")  # the HTML map's switch
OVERVIEW_COLUMNS = 6


def cjk_font() -> str:
    """The CJK family PNGs are drawn with (:func:`minshi_geo.fonts.cjk_family`)."""
    return fonts.cjk_family()


def region_outlines(shapes, points: list[bool]) -> list[tuple[int, object]]:
    """(region index, matplotlib Path) per polygon part, holes included; built once per export."""
    from matplotlib.path import Path as MplPath

    outlines = []
    for i, (feature, pt) in enumerate(zip(shapes.geojson["features"], points)):
        if pt:
            continue
        geom = shape(feature["geometry"])
        for poly in getattr(geom, "geoms", [geom]):
            verts: list = []
            codes: list = []
            for ring in [poly.exterior, *poly.interiors]:
                xy = list(ring.coords)
                verts += xy
                codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY]
            outlines.append((i, MplPath(verts, codes)))
    return outlines


FOOTER_WIDTH = 70  # characters per footer line at 7 pt on an 8-inch-wide figure


def footer_lines(text: str, width: int = FOOTER_WIDTH) -> list[str]:
    """Break a " · "-joined footer between its parts (matplotlib's wrap overlaps lines)."""
    lines: list[str] = []
    for part in text.split(" · "):
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return lines


class _Canvas:
    """One axes with the regions drawn once; each target only recolours them (fast export)."""

    def __init__(self, ax, shapes, labels: list[str], points: list[bool], font_size: float,
                 outlines: list[tuple[int, object]] | None = None):
        from matplotlib.collections import PatchCollection
        from matplotlib.patches import PathPatch

        geoms = [shape(f["geometry"]) for f in shapes.geojson["features"]]
        self.points = points
        outlines = outlines if outlines is not None else region_outlines(shapes, points)
        patches = [PathPatch(path) for _, path in outlines]
        self.patch_region = [i for i, _ in outlines]
        self.polys = PatchCollection(patches, edgecolor="#555555", linewidth=0.5)
        ax.add_collection(self.polys)
        pts = [(i, g) for i, (g, pt) in enumerate(zip(geoms, points)) if pt]
        self.point_region = [i for i, _ in pts]
        self.dots = ax.scatter([g.x for _, g in pts], [g.y for _, g in pts], s=60,
                               edgecolors="#555555", linewidths=0.6, zorder=3)
        self.texts = []
        if font_size > 0:
            for (lat, lon), text, pt in zip(shapes.labels, labels, points):
                self.texts.append(
                    ax.text(lon, lat + (0.12 if pt else 0), text, ha="center", va="center",
                            fontsize=font_size, zorder=4,
                            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                                  "alpha": 0.6})
                )
        self.order = sorted(range(len(geoms)),
                            key=lambda i: (-math.inf if points[i] else -geoms[i].area, i))
        (south, west), (north, east) = shapes.bounds
        pad = 0.02 * max(east - west, north - south)
        ax.set_xlim(west - pad, east + pad)
        ax.set_ylim(south - pad, north + pad)
        ax.set_aspect(1 / math.cos(math.radians((south + north) / 2)))
        ax.set_axis_off()

    def declutter(self, fig) -> int:
        """Hide names that would overlap one already written (larger regions first), as the
        HTML map does; returns how many are shown."""
        if not self.texts:
            return 0
        renderer = fig.canvas.get_renderer()
        placed = []
        for i in self.order:
            box = self.texts[i].get_window_extent(renderer)
            clash = any(box.overlaps(other) for other in placed)
            self.texts[i].set_visible(not clash)
            if not clash:
                placed.append(box)
        return len(placed)

    def paint(self, colours: list[str]) -> None:
        self.polys.set_facecolor([colours[i] for i in self.patch_region])
        if self.point_region:
            self.dots.set_facecolor([colours[i] for i in self.point_region])


def _png_targets(data, mode: str, targets: list[str] | None) -> list[str]:
    """The target ids to draw, in selector order; a mode or target the page lacks stops here."""
    if mode not in {m["id"] for m in data.modes}:
        raise MinshiError(
            f"--png-mode {mode}: not every region of this allocation has a population "
            "figure, so there is no 每万人 view",
            hint="choose --png-mode " + " or ".join(m["id"] for m in data.modes),
        )
    target_ids = [t for g in data.groups for t in g["layers"]]
    if targets is not None:
        unknown = [t for t in targets if t not in data.layers]
        if unknown:
            raise MinshiError(f"--png: targets {', '.join(unknown)} are not in the allocation")
        target_ids = [t for t in target_ids if t in set(targets)]
    return target_ids


def _colours(v: dict) -> list[str]:
    return [v["legend"][c][0] if c >= 0 else NO_DATA for c in v["cls"]]


def _target_pngs(plt, data, view, shapes, outlines, target_ids: list[str], mode: str,
                 names: dict[str, str], tmp: Path, dpi: int) -> None:
    """One PNG per target into ``tmp``: one figure, repainted and saved per target."""
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(figsize=(8, 7))
    fig.subplots_adjust(left=0.02, right=0.98, top=0.92, bottom=0.1)
    # 60 county names fit at a smaller size once overlapping ones are left out.
    canvas = _Canvas(ax, shapes, view.labels, view.points, 6 if len(view.codes) > 20 else 8,
                     outlines)
    canvas.declutter(fig)
    title = ax.set_title("", fontsize=13)
    # A PNG travels alone into a report: it names its plan, and a 示例 one says so in its
    # title, not only in the small print.
    foot = "\n".join(footer_lines(f"{data.title} · {data.subtitle}")
                     + ([data.banner] if data.banner else []))
    fig.text(0.02, 0.012, foot, fontsize=7, color="#a05000" if data.banner else "#555555",
             va="bottom", linespacing=1.4)
    sample_mark = "（示例数据）" if data.banner else ""
    for target_id in target_ids:
        v = data.views[f"{target_id}|{mode}"]
        canvas.paint(_colours(v))
        title.set_text(data.layers[target_id]["label"] + sample_mark)
        handles = [Patch(facecolor=c, edgecolor="#777777", label=lab) for c, lab in v["legend"]]
        if -1 in v["cls"]:
            handles.append(Patch(facecolor=NO_DATA, edgecolor="#777777", label="不参与"))
        legend = ax.legend(handles=handles, title=v["heading"], loc="lower right",
                           fontsize=8, title_fontsize=9, frameon=True)
        fig.savefig(tmp / names[target_id], dpi=dpi,
                    metadata={"Title": title.get_text(), "Description": foot})
        legend.remove()
    plt.close(fig)


def _overview_png(plt, data, view, shapes, outlines, target_ids: list[str], mode: str,
                  tmp: Path, dpi: int) -> None:
    """``overview.png``: every drawn target in a grid of small maps."""
    cols = min(OVERVIEW_COLUMNS, max(1, len(target_ids)))
    rows = max(1, math.ceil(len(target_ids) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 2.6, rows * 2.5), squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, target_id in zip(axes.flat, target_ids):
        v = data.views[f"{target_id}|{mode}"]
        _Canvas(ax, shapes, view.labels, view.points, 0, outlines).paint(_colours(v))
        ax.set_title(data.layers[target_id]["label"], fontsize=7)
    fig.suptitle(data.title + ("（示例数据）" if data.banner else ""), fontsize=14)
    fig.text(0.01, 0.005, data.subtitle + " · 各图按本指标分级着色，颜色深浅只在同一指标内可比",
             fontsize=8, color="#555555")
    fig.tight_layout(rect=(0, 0.01, 1, 0.98))
    sample_mark = "（示例数据）" if data.banner else ""
    fig.savefig(tmp / OVERVIEW_FILE, dpi=max(72, dpi // 2),
                metadata={"Title": data.title + sample_mark, "Description": data.subtitle})
    plt.close(fig)


def write_pngs(
    allocation: Allocation,
    regions: RegionsLike,
    out_dir: str | Path,
    *,
    mode: str = "quantity",
    dpi: int = 150,
    tolerance: float = DEFAULT_TOLERANCE,
    targets: list[str] | None = None,
    title: str | None = None,
) -> list[Path]:
    """Write ``<target_id>_<metric>.png`` per target and ``overview.png`` into ``out_dir``.

    ``mode``: quantity | per10k | share (as the HTML map's switch); ``targets`` limits the
    export to some target ids (default: all, in selector order); ``title``: the plan's title
    (default: read from the plan file the allocation names). All files are written
    together (temp folder + rename), so a failure leaves the previous PNGs in place.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if mode not in PNG_MODES:
        raise MinshiError(f"--png-mode {mode!r}: expected one of {', '.join(PNG_MODES)}")
    font = cjk_font()
    data, view = allocation_page(allocation, regions, title=title)
    target_ids = _png_targets(data, mode, targets)
    shapes = region_shapes(view.frame, view.codes, tolerance=tolerance)
    # Names and titles come from data: "$…$" in them must print as written, not be parsed
    # as mathtext (which draws something else, or stops the export with a parse error).
    rc = {"font.family": "sans-serif", "font.sans-serif": [font, "DejaVu Sans"],
          "axes.unicode_minus": False, "text.parse_math": False}
    metric_of = dict(zip(allocation.table["target_id"], allocation.table["metric"]))
    names = {t: safe_filename(f"{t}_{metric_of[t]}.png") for t in target_ids}
    with matplotlib.rc_context(rc), atomic.atomic_dir(out_dir) as tmp:
        outlines = region_outlines(shapes, view.points)
        _target_pngs(plt, data, view, shapes, outlines, target_ids, mode, names, tmp, dpi)
        _overview_png(plt, data, view, shapes, outlines, target_ids, mode, tmp, dpi)
    return [Path(out_dir) / names[t] for t in target_ids] + [Path(out_dir) / OVERVIEW_FILE]
