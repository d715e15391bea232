"""导出图片 (issue 15) in real headless Chromium: the page draws what the planner sees — the
regions as styled, their names, title, legend, date and the 示例 mark — onto a canvas and
writes a PNG, offline. The PNG is decoded here and its pixels compared with the page."""

from __future__ import annotations

import base64
import io
import struct
import time
from datetime import date

import pytest
from browser_fixtures import browser_session, open_offline
from maps_fixtures import HOSTILE_HTML, area_split, baseline, hostile_regions, renamed
from selenium.webdriver.common.by import By

from minshi_geo.catalogue import load_plan
from minshi_geo.maps import allocation_map, progress_map
from minshi_geo.progress.status import status_from_values
from minshi_geo.regions import load_region_set

pytestmark = pytest.mark.browser
READY = "return !!window.minshiPage"

# Click 导出图片 with the page's one way out for files replaced by a catcher: the PNG comes
# back to the test as a data URL.
EXPORT = """
var done = arguments[arguments.length - 1];
minshiPage.download = function (name, blob, type) {
  var r = new FileReader();
  r.onload = function () { done([name, type, r.result]); };
  r.readAsDataURL(blob);
};
document.getElementById('minshi-export-png').click();
"""

# One point per region well inside it: the region is what the pointer meets there and 7 px
# around (no edge, no name, no panel). Container pixels.
INSIDE = """
var m = minshiPage.map, c = m.getContainer().getBoundingClientRect(), s = m.getSize(), out = {};
var at = (x, y) => { var e = document.elementFromPoint(c.left + x, c.top + y);
  var k = e && e.getAttribute && (e.getAttribute('class') || '').match(/minshi-r(\\d+)/);
  return k ? k[1] : null; };
for (var y = 8; y < s.y - 8; y += 9) { for (var x = 8; x < s.x - 8; x += 9) {
  var k = at(x, y);
  if (k === null || k in out) { continue; }
  if ([[-7, 0], [7, 0], [0, -7], [0, 7]].every(d => at(x + d[0], y + d[1]) === k)) {
    out[k] = [x, y]; } } }
return out;
"""


@pytest.fixture(scope="module")
def browser():
    yield from browser_session()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("export-maps")
    split = area_split("jilin")
    return {
        "sample": allocation_map(split, load_region_set("jilin"), out / "sample.html"),
        "baseline": allocation_map(baseline(), load_region_set("jilin"), out / "baseline.html"),
        "progress": progress_map(_status(split), load_region_set("jilin"), out / "progress.html",
                                 plan=load_plan()),
        "hostile": allocation_map(renamed(split, "220100", HOSTILE_HTML,
                                          scenario_title='a/b\\c:"<x>"|?*'),
                                  hostile_regions("jilin", "220100"), out / "hostile.html"),
    }


def _status(allocation):
    """Two reports, the second further along, through the real status maths."""
    import pandas as pd

    rows = [{"period_end": period, "target_id": r.target_id, "region_code": r.region_code,
             "region_name": r.region_name,
             "completed": float(round(r.quantity * share * (k % 3) / 2)),
             "status": None, "note": None, "sample": True}
            for period, share in ((date(2023, 4, 30), 0.3), (date(2023, 9, 30), 0.9))
            for k, r in enumerate(allocation.table.itertuples())]
    return status_from_values(pd.DataFrame(rows), allocation, load_plan())


def export(browser) -> tuple[str, bytes, dict]:
    browser.set_script_timeout(60)
    name, kind, url = browser.execute_async_script(EXPORT)
    assert kind == "image/png" and url.startswith("data:image/png;base64,")
    return name, base64.b64decode(url.split(",", 1)[1]), browser.execute_script(
        "return minshiPage.lastPng")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def rgb(css: str) -> tuple[int, ...]:
    if css.startswith("#"):
        return tuple(int(css[k:k + 2], 16) for k in (1, 3, 5))
    return tuple(int(float(p)) for p in css[css.index("(") + 1:css.index(")")].split(",")[:3])


def expected_fills(browser) -> dict[int, tuple[int, ...]]:
    """What each region shows on screen: its fill at its opacity over the map background."""
    fills = browser.execute_script(
        "return Array.from(document.querySelectorAll('path.minshi-region')).map(p =>"
        " [p.getAttribute('class').match(/minshi-r(\\d+)/)[1], p.getAttribute('fill'),"
        "  parseFloat(p.getAttribute('fill-opacity'))]);")
    back = rgb(browser.execute_script(
        "return getComputedStyle(minshiPage.map.getContainer()).backgroundColor"))
    return {int(i): tuple(round(a * f + (1 - a) * b) for f, b in zip(rgb(fill), back))
            for i, fill, a in fills if fill.startswith("#")}


def assert_regions_as_on_screen(browser, image, layout) -> int:
    """Every region's inside has, in the PNG, the colour the page shows there."""
    inside = browser.execute_script(INSIDE)
    fills = expected_fills(browser)
    points = browser.execute_script("return minshiPage.data.regions.map(r => !!r.point)")
    s = layout["scale"]
    checked = 0
    for k, (x, y) in inside.items():
        if int(k) not in fills or points[int(k)]:
            continue  # hatched (不参与) is a pattern; a point's circle lies over a polygon
        px = int((layout["mapX"] + x - layout["left"]) * s + s / 2)
        py = int((layout["mapY"] + y - layout["top"]) * s + s / 2)
        got = image.getpixel((px, py))[:3]
        assert max(abs(g - e) for g, e in zip(got, fills[int(k)])) <= 3, (k, got, fills[int(k)])
        checked += 1
    return checked


def test_export_button_writes_a_png_of_the_shown_map(browser, pages):
    from PIL import Image

    page = open_offline(browser, pages["sample"], ready=READY)
    button = browser.find_element(By.ID, "minshi-export-png")
    assert button.text == "导出图片" and button.is_displayed()
    name, data, layout = export(browser)
    width, height = png_size(data)
    assert (width, height) == (layout["width"], layout["height"])
    assert 900 <= width <= 5000 and 700 <= height <= 5000, (width, height)
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert len(image.getcolors(1 << 20)) > 200  # a drawn map, not a blank sheet
    assert assert_regions_as_on_screen(browser, image, layout) >= 8
    title = browser.execute_script("return minshiPage.data.title")
    assert name.startswith(title) and name.endswith(".png")
    texts = layout["texts"]
    legend = browser.find_element(By.ID, "minshi-legend").text
    assert texts[0] == title + "（示例数据）"
    assert any(t.startswith("示例数据") for t in texts)  # the banner, in the footer
    today = date.today()
    assert f"导出日期：{today.year}年{today.month}月{today.day}日" in texts
    assert all(t in legend for t in texts[-3:])  # legend heading and classes
    assert page.requests == [] and browser.execute_script("return performance"
                                                         ".getEntriesByType('resource')"
                                                         ".filter(e => /^https?:/.test(e.name))"
                                                         ".length") == 0


def test_export_follows_the_mode_and_the_numbers_shown(browser, pages):
    from PIL import Image

    open_offline(browser, pages["baseline"], ready=READY)
    browser.find_element(By.CSS_SELECTOR, "input[name=minshi-mode][value=share]").click()
    browser.find_element(By.ID, "minshi-numbers").click()
    name, data, layout = export(browser)
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert assert_regions_as_on_screen(browser, image, layout) >= 8
    assert "占全省比例" in layout["texts"][1] and "占全省比例" in name
    assert not any("示例" in t for t in layout["texts"])  # the baseline is not sample data


def test_a_hostile_title_makes_a_safe_file_name_and_runs_nothing(browser, pages):
    open_offline(browser, pages["hostile"], ready=READY)
    name, data, layout = export(browser)
    png_size(data)
    assert not any(c in name for c in '/\\:"<>|?*'), name
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0


def test_the_png_reaches_the_download_folder(browser, pages, tmp_path):
    """No stub: the page's own Blob link saves the file where Chromium saves downloads."""
    open_offline(browser, pages["sample"], ready=READY)
    browser.execute_cdp_cmd("Browser.setDownloadBehavior",
                            {"behavior": "allow", "downloadPath": str(tmp_path)})
    browser.find_element(By.ID, "minshi-export-png").click()
    deadline = time.monotonic() + 30
    while not [p for p in tmp_path.glob("*.png")] and time.monotonic() < deadline:
        time.sleep(0.1)
    saved = list(tmp_path.glob("*.png"))
    assert len(saved) == 1, list(tmp_path.iterdir())
    width, height = png_size(saved[0].read_bytes())
    layout = browser.execute_script("return minshiPage.lastPng")
    assert saved[0].name == layout["name"] and (width, height) == (layout["width"],
                                                                    layout["height"])


def test_the_export_button_sits_under_the_legend_and_is_not_printed(browser, pages):
    open_offline(browser, pages["sample"], ready=READY)
    legend = browser.find_element(By.ID, "minshi-legend")
    assert legend.find_element(By.ID, "minshi-export-png").is_displayed()
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element(By.ID, "minshi-export-png").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_progress_export_names_the_shown_period_and_follows_the_slider(browser, pages):
    from PIL import Image

    open_offline(browser, pages["progress"], ready=READY)
    browser.execute_script("minshiPage.setLayer(minshiPage.data.groups[1].layers[0])")
    periods = browser.execute_script("return minshiPage.data.periods")
    for p in (len(periods) - 1, 0):
        browser.execute_script("minshiPage.setPeriod(arguments[0])", p)
        name, data, layout = export(browser)
        assert f"报告期 {periods[p]}" in layout["texts"][1] and name.endswith(f"{periods[p]}.png")
        image = Image.open(io.BytesIO(data)).convert("RGB")
        assert assert_regions_as_on_screen(browser, image, layout) >= 8
