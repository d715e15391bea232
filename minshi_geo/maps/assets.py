"""Inline the scripts and styles a map page needs, so a saved map works with no network.

Government intranets have no internet, so a map may not depend on a CDN. Leaflet (vendored
from the npm package, BSD-2-Clause, see ``assets/README.md``) and the project's own page
script and style are read from ``assets/`` and written into the page as ``<script>`` and
``<style>`` blocks. The CSS image references become ``data:`` URIs and the source-map comment
is dropped, so the browser has nothing to fetch.
"""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
LEAFLET_DIR = ASSETS_DIR / "leaflet"

_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)
_CSS_URL = re.compile(r"url\((['\"]?)(images/[^)'\"]+)\1\)")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _data_uri(path: Path) -> str:
    mime = {"png": "image/png", "svg": "image/svg+xml"}[path.suffix.lstrip(".")]
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _script_safe(code: str, name: str) -> str:
    # A vendored file containing "</script" would end the inline block early.
    if re.search(r"</script", code, re.IGNORECASE):
        raise ValueError(f"{name} contains '</script' and cannot be inlined")
    return code


@functools.cache
def leaflet_js() -> str:
    """Leaflet's minified script without its source-map comment."""
    return _script_safe(_SOURCE_MAP.sub("", _read(LEAFLET_DIR / "leaflet.js")), "leaflet.js")


@functools.cache
def leaflet_css() -> str:
    """Leaflet's stylesheet with its image references turned into ``data:`` URIs."""
    css = _read(LEAFLET_DIR / "leaflet.css")
    return _CSS_URL.sub(lambda m: f'url("{_data_uri(LEAFLET_DIR / m.group(2))}")', css)


@functools.cache
def page_js() -> str:
    """The project's page script: builds selector, legend, ranking and restyles one layer."""
    return _script_safe(_read(ASSETS_DIR / "map.js"), "map.js")


@functools.cache
def page_css() -> str:
    return _read(ASSETS_DIR / "map.css")


def head_html() -> str:
    """Everything the page's ``<head>`` needs, inline: Leaflet and the page's own code."""
    return (
        f"<style>{leaflet_css()}</style>\n"
        f"<style>{page_css()}</style>\n"
        f"<script>{leaflet_js()}</script>\n"
        f"<script>{page_js()}</script>\n"
    )
