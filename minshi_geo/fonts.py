"""The one place that finds a font with Chinese glyphs (PNG maps, the .docx 通报).

A planner's machine has the fonts of its system, not Debian's: Windows ships 微软雅黑 / 黑体 /
宋体, macOS PingFang SC / 华文黑体, Linux desktops Noto Sans CJK or Source Han. We look them up
by **family name** in the order of :data:`CJK_FAMILIES`. matplotlib keeps its own cached list of
installed fonts (``~/.cache/matplotlib/fontlist-*.json``); a font installed after that cache
was written is missing from it. When none of the families is listed, the system font folders
are scanned for the files of :data:`CJK_FILES` and each one found is added to matplotlib's list
(``fontManager.addfont``) — the cache refresh, without deleting anything.

``cjk_family()`` → family name for matplotlib; ``docx_family()`` → the name Word/WPS shows
for the East-Asian text of a document (the same list, Windows names first).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from minshi_geo.errors import MinshiError

# (family name as the font file states it, what a planner calls it) — documented in README.
CJK_FAMILIES: tuple[tuple[str, str], ...] = (
    ("Noto Sans CJK SC", "思源黑体 (Noto, Linux)"),
    ("Source Han Sans SC", "思源黑体"),
    ("Source Han Sans CN", "思源黑体"),
    ("Microsoft YaHei", "微软雅黑 (Windows)"),
    ("SimHei", "黑体 (Windows)"),
    ("PingFang SC", "苹方 (macOS)"),
    ("STHeiti", "华文黑体 (macOS)"),
    ("Heiti SC", "黑体-简 (macOS)"),
    ("Hiragino Sans GB", "冬青黑体 (macOS)"),
    ("SimSun", "宋体 (Windows)"),
    ("NSimSun", "新宋体 (Windows)"),
    ("Songti SC", "宋体-简 (macOS)"),
    ("STSong", "华文宋体 (macOS)"),
    ("Noto Serif CJK SC", "思源宋体 (Noto)"),
    ("Source Han Serif SC", "思源宋体"),
    ("Noto Sans SC", "Noto Sans SC"),
    ("WenQuanYi Zen Hei", "文泉驿正黑"),
    ("WenQuanYi Micro Hei", "文泉驿微米黑"),
    ("Droid Sans Fallback", "Droid Sans Fallback"),
)
# File-name fragments (lower case) of those fonts, for the scan when matplotlib's list is stale.
CJK_FILES: tuple[str, ...] = (
    "notosanscjk", "notoserifcjk", "sourcehansans", "sourcehanserif", "msyh", "simhei",
    "simsun", "pingfang", "stheiti", "heiti", "hiragino sans gb", "songti", "stsong",
    "notosanssc", "wqy-zenhei", "wqy-microhei", "droidsansfallback",
)
FONT_DIRS: dict[str, tuple[str, ...]] = {
    "win32": (os.path.join(os.environ.get("WINDIR", r"C:\Windows"), "Fonts"),
              os.path.join(os.environ.get("LOCALAPPDATA", ""), "Microsoft", "Windows", "Fonts")),
    "darwin": ("/System/Library/Fonts", "/System/Library/Fonts/Supplemental", "/Library/Fonts",
               os.path.expanduser("~/Library/Fonts")),
    "linux": ("/usr/share/fonts", "/usr/local/share/fonts", os.path.expanduser("~/.local/share/fonts"),
              os.path.expanduser("~/.fonts")),
}
FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")
WORD_NAMES = {"Microsoft YaHei": "微软雅黑", "SimHei": "黑体", "SimSun": "宋体"}


class FontMissingError(MinshiError):
    """No font with Chinese glyphs is installed."""


def family_names() -> tuple[str, ...]:
    return tuple(name for name, _ in CJK_FAMILIES)


def cjk_family() -> str:
    """The first installed family of :data:`CJK_FAMILIES` for matplotlib; refreshes its list
    from the system font folders once when none is listed. FontMissingError otherwise."""
    from matplotlib import font_manager

    found = _first_listed(font_manager.fontManager)
    if found is None and refresh_matplotlib_fonts():
        found = _first_listed(font_manager.fontManager)
    if found is None:
        raise FontMissingError(
            "no Chinese (CJK) font found; looked for " + "、".join(
                f"{name} {label}" for name, label in CJK_FAMILIES[:6]) + " …",
            hint="install one (Debian/Ubuntu: apt-get install fonts-noto-cjk; Windows and "
            "macOS have 微软雅黑 / PingFang SC already), then run the command again",
        )
    return found


def docx_family() -> str:
    """The East-Asian font name for a Word/WPS document: the installed family under the name
    Word shows (微软雅黑, 黑体, 宋体 …); 宋体 when none is installed here — Word substitutes it
    on the reader's machine, so a document is never refused for a font."""
    try:
        family = cjk_family()
    except FontMissingError:
        return "宋体"
    return WORD_NAMES.get(family, family)


def _first_listed(manager) -> str | None:
    installed = {f.name for f in manager.ttflist}
    return next((name for name in family_names() if name in installed), None)


def system_font_files() -> list[Path]:
    """Font files of the known CJK families in this system's font folders."""
    key = "win32" if sys.platform == "win32" else "darwin" if sys.platform == "darwin" else "linux"
    out: list[Path] = []
    for folder in FONT_DIRS[key]:
        root = Path(folder)
        if not folder or not root.is_dir():
            continue
        for path in root.rglob("*"):
            name = path.name.lower().replace(" ", "").replace("_", "")
            if path.suffix.lower() in FONT_SUFFIXES and any(
                frag.replace(" ", "") in name for frag in CJK_FILES
            ):
                out.append(path)
    return sorted(out)


def refresh_matplotlib_fonts(files: list[Path] | None = None) -> int:
    """Add CJK font files matplotlib's cached list does not know; returns how many were added."""
    from matplotlib import font_manager

    known = {os.path.normcase(os.path.abspath(f.fname)) for f in font_manager.fontManager.ttflist}
    added = 0
    for path in system_font_files() if files is None else files:
        if os.path.normcase(os.path.abspath(path)) in known:
            continue
        try:
            font_manager.fontManager.addfont(str(path))
        except (OSError, RuntimeError, ValueError):
            continue  # an unreadable or odd collection: try the next file
        added += 1
    return added
