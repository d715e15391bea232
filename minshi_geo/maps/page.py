"""The map page engine shared by the allocation, comparison and progress maps.

folium builds the Leaflet map object; everything else is ours, so the page stays small and
offline:

- one geometry layer (:mod:`minshi_geo.maps.geometry`) embedded once, restyled in the browser;
- one compact data object (:class:`PageData`) embedded with :func:`minshi_geo.escape.js_literal`,
  the single place where text from data enters the page;
- Leaflet and the page script/style inlined (:mod:`minshi_geo.maps.assets`), none of folium's
  CDN links (jQuery, Bootstrap, awesome-markers are not used);
- the page script (``assets/map.js``) builds the controls with DOM ``textContent`` only.

Data object contract (what ``map.js`` reads)
--------------------------------------------
``title``, ``subtitle``, ``banner`` (示例 notice or null), ``note`` (or null)
``regions``: ``[{code, name}]`` in geometry order (feature ``properties.i`` indexes it)
``labels``: ``[[lat, lon]]`` per region; ``bounds``
``groups``: ``[{label, layers: [layer_id]}]`` — selector ``<optgroup>`` per sector
``layers``: ``{id: {label, tips: [[row label, [cell per region]]], facts: [fact key]}}``
``facts``: ``{key: {label, cells: [cell per region]}}`` — rows shared by several layers
``modes``: ``[{id, label}]`` — the switch (数量 / 每万人 / 占全省比例 …)
``periods``: ``[label]`` or null — a time slider when present
``views``: ``{"layer|mode" or "layer|mode|period": View}`` where View is
``{heading, cls: [legend index or -1 per region], legend: [[colour, label]],
value: [display text per region], rank: [number or null per region]}``, optionally
``rank_heading`` and ``rank_value`` (what the ranking shows when it is not ``value``)
``lists``: ``{"layer|period": {title, rows: [[region index, text]]}}`` — an extra panel
(progress: red regions)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, MacroElement

from minshi_geo import atomic
from minshi_geo.errors import MinshiError
from minshi_geo.escape import html_text, js_literal
from minshi_geo.maps import assets
from minshi_geo.maps.geometry import RegionShapes
from minshi_geo.maps.regions_view import MapRegions

TILES = ("none", "osm", "gaode", "tianditu")

_TILE_LAYERS: dict[str, dict[str, Any]] = {
    "osm": {
        "tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attr": "© OpenStreetMap contributors",
        "max_zoom": 19,
    },
    # Gaode (高德) raster tiles are GCJ-02: the overlay is shifted to match (see geometry.py).
    "gaode": {
        "tiles": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
        "&style=8&x={x}&y={y}&z={z}",
        "attr": "© 高德地图",
        "subdomains": "1234",
        "max_zoom": 18,
    },
    # 天地图 is CGCS2000 (≈ WGS-84 at map scale) and needs a key (tk) from tianditu.gov.cn.
    "tianditu": {
        "tiles": "https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk={key}",
        "attr": "© 天地图",
        "subdomains": "01234567",
        "max_zoom": 18,
    },
}

TIANDITU_KEY_ENV = "MINSHI_TIANDITU_KEY"


class MapOptionError(MinshiError):
    """A map option has a value the map cannot use."""


@dataclass
class PageData:
    """Everything the page script shows; see the module docstring for each field."""

    title: str
    subtitle: str = ""
    banner: str | None = None
    note: str | None = None
    groups: list[dict[str, Any]] = field(default_factory=list)
    layers: dict[str, dict[str, Any]] = field(default_factory=dict)
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    modes: list[dict[str, str]] = field(default_factory=list)
    periods: list[str] | None = None
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    lists: dict[str, dict[str, Any]] = field(default_factory=dict)
    initial: dict[str, Any] = field(default_factory=dict)
    kind: str = "allocation"

    def to_js(self, shapes: RegionShapes, regions: MapRegions) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "subtitle": self.subtitle,
            "banner": self.banner,
            "note": self.note,
            "regions": [
                {"code": c, "name": n, "label": lab, "point": pt}
                for c, n, lab, pt in zip(
                    regions.codes, regions.names, regions.labels, regions.points
                )
            ],
            "labels": shapes.labels,
            "bounds": shapes.bounds,
            "groups": self.groups,
            "layers": self.layers,
            "facts": self.facts,
            "modes": self.modes,
            "periods": self.periods,
            "views": self.views,
            "lists": self.lists,
            "initial": self.initial,
        }


class _OfflineMap(folium.Map):
    """folium.Map without folium's CDN links: the page inlines what it needs instead."""

    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []


class _Script(Element):
    """A finished piece of script, written as it is: never compiled as a jinja template."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class _PageApp(MacroElement):
    """Starts the page script on the folium map once Leaflet has created it.

    The call goes into the page's script as text: a ``MacroElement``'s script would be
    compiled again as a jinja template (~4 s for a national map's 90 MB, and a ``{{`` in a
    region name would be evaluated)."""

    def __init__(self, data_js: str, geo_js: str):
        super().__init__()
        self._name = "MinshiPage"
        self.data_js = data_js
        self.geo_js = geo_js

    def render(self, **kwargs) -> None:
        call = f"minshiMap({self._parent.get_name()}, {self.data_js}, {self.geo_js});"
        self.get_root().script.add_child(_Script(call), name=self.get_name())


def tile_options(tiles: str) -> dict[str, Any] | None:
    """folium TileLayer keyword arguments for ``--tiles`` (None for ``none``)."""
    if tiles not in TILES:
        raise MapOptionError(
            f"--tiles {tiles!r}: expected one of {', '.join(TILES)}",
            hint="the default 'none' works offline; osm/gaode/tianditu need a network",
        )
    if tiles == "none":
        return None
    opts = dict(_TILE_LAYERS[tiles])
    if tiles == "tianditu":
        import os

        key = os.environ.get(TIANDITU_KEY_ENV, "").strip()
        if not key:
            raise MapOptionError(
                f"--tiles tianditu: environment variable {TIANDITU_KEY_ENV} is not set",
                hint="get a browser key (tk) at tianditu.gov.cn and export it",
            )
        opts["tiles"] = opts["tiles"].replace("{key}", key)
    return opts


OUTLINE_PANE = "minshi-outlines"


def render_page(
    data: PageData, shapes: RegionShapes, regions: MapRegions, *, tiles: str = "none",
    outlines: dict | None = None,
) -> str:
    """The complete, self-contained HTML of one map page. ``outlines``: GeoJSON polygons
    drawn as dark lines over the regions (a county map's prefecture borders), never
    catching the pointer."""
    tile = tile_options(tiles)
    fmap = _OfflineMap(
        location=None,
        tiles=None,
        control_scale=False,  # the page adds a metric-only scale
        prefer_canvas=False,
        zoom_control=True,
    )
    if tile is not None:
        folium.TileLayer(
            tiles=tile["tiles"],
            attr=tile["attr"],
            max_zoom=tile["max_zoom"],
            subdomains=tile.get("subdomains", "abc"),
            name=tiles,
        ).add_to(fmap)
    fmap.fit_bounds(shapes.bounds)
    if outlines:
        folium.map.CustomPane(OUTLINE_PANE, z_index=450, pointer_events=False).add_to(fmap)
        folium.GeoJson(
            outlines, name="outlines", control=False, pane=OUTLINE_PANE,
            style_function=lambda _: {"color": "#222", "weight": 2.4, "fill": False,
                                      "opacity": 0.9},
        ).add_to(fmap)  # fmt: skip
    figure = fmap.get_root()
    figure.header.add_child(Element('<meta charset="utf-8">'), name="charset", index=0)
    figure.header.add_child(
        Element('<meta name="viewport" content="width=device-width, initial-scale=1">'),
        name="viewport",
    )
    figure.header.add_child(Element(f"<title>{html_text(data.title)}</title>"), name="title")
    figure.header.add_child(Element(assets.head_html()), name="minshi_assets")
    if shapes.codes != regions.codes:
        raise ValueError("geometry and data list regions in different orders")
    payload = data.to_js(shapes, regions)
    fmap.add_child(_PageApp(js_literal(payload), js_literal(shapes.geojson)))
    html = figure.render()
    # A Chinese page says so: screen readers pick the right voice and browsers the Chinese
    # (not Japanese) glyph forms when falling back between CJK fonts.
    return html.replace("<html>", '<html lang="zh-CN">', 1)


def write_page(
    out_html: str | Path,
    data: PageData,
    shapes: RegionShapes,
    regions: MapRegions,
    *,
    tiles: str = "none",
    outlines: dict | None = None,
) -> Path:
    """Render and write the page atomically (no half-written map on failure)."""
    html = render_page(data, shapes, regions, tiles=tiles, outlines=outlines)
    return atomic.write_text(out_html, html)
