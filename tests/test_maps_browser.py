"""The maps in a real browser: headless Debian Chromium, network off, pages opened from disk.

Each map must render from the saved file alone (Leaflet container, one SVG path per region),
react to the controls (target selector, search, mode switch, period slider), show hostile
names as text, and ask the network for nothing.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from browser_fixtures import browser_session, open_offline
from maps_fixtures import (
    HOSTILE_HTML,
    HOSTILE_TEMPLATE,
    area_split,
    baseline,
    hostile_regions,
    renamed,
)
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from minshi_geo.catalogue import load_plan
from minshi_geo.maps import (
    allocation_map,
    allocation_page,
    compare_map,
    progress_map,
    write_plan_maps,
)
from minshi_geo.maps.legend import NO_DATA, Classes
from minshi_geo.progress.status import status_from_values
from minshi_geo.regions import load_region_set

pytestmark = pytest.mark.browser

READY = "return !!window.minshiPage"


@pytest.fixture(scope="module")
def browser():
    yield from browser_session()


def region_fills(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('path.minshi-region'))"
        ".map(p => p.getAttribute('fill'))"
    )


def hover_region(driver, index: int) -> str:
    """Move the real mouse onto region ``index`` (at its label point); return the tooltip text."""
    x, y, w, h = driver.execute_script(
        "var m = minshiPage.map;"
        "var p = m.latLngToContainerPoint(minshiPage.data.labels[arguments[0]]);"
        "var s = m.getSize(); return [p.x, p.y, s.x, s.y];",
        index,
    )
    container = driver.find_element(By.CSS_SELECTOR, ".leaflet-container")
    ActionChains(driver).move_to_element_with_offset(
        container, int(x - w / 2), int(y - h / 2)
    ).perform()
    tips = driver.find_elements(By.CSS_SELECTOR, ".leaflet-tooltip-pane .minshi-tip")
    assert tips, "no tooltip opened"
    return tips[-1].text


def assert_no_alert(driver) -> None:
    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        return
    text = alert.text
    alert.dismiss()
    pytest.fail(f"the page ran injected script: alert({text!r})")


# ---------------------------------------------------------------------------- pages
@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("maps")
    jilin = load_region_set("jilin")
    split = area_split("jilin")
    hostile = renamed(split, "220100", HOSTILE_HTML, scenario_title=HOSTILE_TEMPLATE)
    hostile.table.loc[hostile.table["target_id"] == hostile.target_ids[0], "sector"] = (
        "</script><script>alert(2)</script>"
    )
    other = split.table.copy()
    first = other["target_id"] == split.target_ids[0]
    other.loc[first & (other["region_code"] == "220100"), "quantity"] += 100
    other.loc[first & (other["region_code"] == "220200"), "quantity"] -= 100
    from minshi_geo.allocation import Allocation

    b = Allocation(table=other, meta={**split.meta, "scenario": "b", "scenario_title": "方案B"},
                   factor_values=split.factor_values)
    return {
        "allocation": allocation_map(split, jilin, out / "allocation.html"),
        "hostile": allocation_map(hostile, hostile_regions("jilin", "220100"),
                                  out / "hostile.html"),
        "counties": allocation_map(area_split("jilin-counties"),
                                   load_region_set("jilin-counties"), out / "counties.html"),
        "prefectures": allocation_map(area_split("jilin-prefectures"),
                                      load_region_set("jilin-prefectures"),
                                      out / "prefectures.html"),
        "compare": compare_map(split, b, jilin, out / "compare.html"),
        "progress": progress_map(_status(split), jilin, out / "progress.html", plan=load_plan()),
    }


def _status(allocation) -> pd.DataFrame:
    """Three monthly reports with growing, uneven completion, through the real status maths."""
    rng = np.random.default_rng(7)
    rows = []
    for k, period in enumerate([date(2023, 4, 30), date(2023, 6, 30), date(2023, 9, 30)]):
        for r in allocation.table.itertuples():
            done = round(r.quantity * min(1.0, (k + 1) / 3 * rng.uniform(0.1, 1.2)))
            rows.append({"period_end": period, "target_id": r.target_id,
                         "region_code": r.region_code, "region_name": r.region_name,
                         "completed": float(done), "status": None, "note": None,
                         "sample": True})  # fmt: skip
    return status_from_values(pd.DataFrame(rows), allocation, load_plan())


# ---------------------------------------------------------------------------- allocation
def test_allocation_map_renders_offline_with_one_path_per_region(browser, pages):
    page = open_offline(browser, pages["allocation"], ready=READY)
    assert browser.find_elements(By.CSS_SELECTOR, ".leaflet-container")
    assert len(region_fills(browser)) == 11
    assert browser.execute_script(
        "return Array.from(document.querySelectorAll('path.minshi-region'))"
        ".every(p => (p.getAttribute('d') || '').length > 10)"
    )
    assert page.requests == []
    assert [e for e in page.console if e["level"] == "SEVERE"] == []


def test_every_target_of_the_allocation_is_in_the_selector(browser, pages):
    open_offline(browser, pages["allocation"], ready=READY)
    values = [o.get_attribute("value") for o in
              Select(browser.find_element(By.ID, "minshi-target")).options]
    assert values == area_split("jilin").target_ids
    groups = browser.execute_script(
        "return Array.from(document.querySelectorAll('#minshi-target optgroup')).map(g => g.label)"
    )
    assert groups == list(dict.fromkeys(area_split("jilin").table["sector"]))


def test_choosing_another_target_recolours_the_regions(browser, pages):
    open_offline(browser, pages["allocation"], ready=READY)
    split = area_split("jilin")
    data, _ = allocation_page(split, load_region_set("jilin"))
    hatch = "url(#minshi-hatch)"  # 不参与 is hatched on the page (NO_DATA in the PNGs)
    expected = {t: [hatch if c == NO_DATA else c for c in Classes(
                    data.views[f"{t}|quantity"]["cls"],
                    data.views[f"{t}|quantity"]["legend"]).colours()]
                for t in split.target_ids}
    first = split.target_ids[0]
    other = next(t for t in split.target_ids if expected[t] != expected[first])
    select = Select(browser.find_element(By.ID, "minshi-target"))
    assert region_fills(browser) == expected[first]
    select.select_by_value(other)
    assert region_fills(browser) == expected[other]
    ranking = browser.find_element(By.ID, "minshi-ranking").text
    assert split.target(other)["metric"].iloc[0] in ranking
    select.select_by_value(first)
    assert region_fills(browser) == expected[first]


def test_point_region_is_drawn_as_a_circle_marker_and_not_participating_is_grey(browser, pages):
    open_offline(browser, pages["allocation"], ready=READY)
    fills = region_fills(browser)
    # 长白山管委会 is a point with no area: not part of the area split → hatched "不参与",
    # never the 未报送 grey of the progress map.
    assert fills[-1] == "url(#minshi-hatch)"
    assert browser.execute_script("return !!document.querySelector("
                                  "'.leaflet-overlay-pane svg pattern#minshi-hatch')")
    legend = browser.find_element(By.ID, "minshi-legend").text
    assert "不参与" in legend


def test_mode_switch_changes_legend_and_ranking_values(browser, pages):
    open_offline(browser, pages["allocation"], ready=READY)
    ranking = browser.find_element(By.ID, "minshi-ranking")
    quantity_text = ranking.text
    browser.find_element(By.CSS_SELECTOR, "input[name=minshi-mode][value=share]").click()
    assert "%" in ranking.text and ranking.text != quantity_text
    assert "占全省比例" in browser.find_element(By.ID, "minshi-legend").text
    browser.find_element(By.CSS_SELECTOR, "input[name=minshi-mode][value=per10k]").click()
    assert "/万人" in browser.find_element(By.ID, "minshi-legend").text


def test_search_box_picks_a_matching_target(browser, pages):
    open_offline(browser, pages["allocation"], ready=READY)
    split = area_split("jilin")
    target_id = split.target_ids[5]
    metric = split.target(target_id)["metric"].iloc[0]
    search = browser.find_element(By.ID, "minshi-search")
    search.send_keys(metric)
    search.send_keys(Keys.ENTER)
    assert browser.find_element(By.ID, "minshi-target").get_attribute("value") == target_id
    visible = browser.execute_script(
        "return Array.from(document.querySelectorAll('#minshi-target option'))"
        ".filter(o => !o.hidden).map(o => o.value)"
    )
    assert target_id in visible and len(visible) < len(split.target_ids)


def test_search_without_a_match_says_so(browser, pages):
    open_offline(browser, pages["allocation"], ready=READY)
    note = browser.find_element(By.ID, "minshi-nohit")
    assert not note.is_displayed()
    search = browser.find_element(By.ID, "minshi-search")
    search.send_keys("不存在的指标")
    assert note.is_displayed() and note.text == "无匹配指标或地区"
    search.clear()
    search.send_keys("1")
    assert not note.is_displayed()


def test_tooltip_shows_name_quantity_share_and_factor(browser, pages):
    open_offline(browser, pages["allocation"], ready=READY)
    text = hover_region(browser, 0)
    split = area_split("jilin")
    row = split.target(split.target_ids[0]).iloc[0]
    assert "长春市" in text
    assert f"{row['quantity']:,}" in text and row["unit"] in text
    assert "占全省比例" in text and "面积" in text


@pytest.mark.parametrize("mode", ["per10k", "share"])
def test_tooltip_keeps_the_quantity_with_unit_in_every_mode(browser, pages, mode):
    open_offline(browser, pages["allocation"], ready=READY)
    browser.find_element(By.CSS_SELECTOR, f"input[name=minshi-mode][value={mode}]").click()
    text = hover_region(browser, 0)
    split = area_split("jilin")
    row = split.target(split.target_ids[0]).iloc[0]
    assert f"{row['quantity']:,} {row['unit']}" in text
    assert text.count("占全省比例") == 1


def test_hostile_names_show_as_text_and_run_nothing(browser, pages):
    page = open_offline(browser, pages["hostile"], ready=READY)
    assert_no_alert(browser)
    assert HOSTILE_TEMPLATE in browser.find_element(By.ID, "minshi-panel").text
    text = hover_region(browser, 0)
    assert HOSTILE_HTML in text
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    labels = browser.execute_script(
        "return Array.from(document.querySelectorAll('.minshi-label-text')).map(e => e.textContent)"
    )
    assert HOSTILE_HTML in labels
    assert HOSTILE_HTML in browser.find_element(By.ID, "minshi-ranking").text
    groups = browser.execute_script(
        "return Array.from(document.querySelectorAll('#minshi-target optgroup')).map(g => g.label)"
    )
    assert "</script><script>alert(2)</script>" in groups
    assert_no_alert(browser)
    assert page.requests == []


def test_long_ranking_shows_the_top_ten_until_asked_for_all(browser, pages):
    open_offline(browser, pages["counties"], ready=READY)
    rows = "#minshi-ranking tr"
    assert len(browser.find_elements(By.CSS_SELECTOR, rows)) == 1 + 10
    browser.find_element(By.ID, "minshi-rank-more").click()
    assert len(browser.find_elements(By.CSS_SELECTOR, rows)) == 1 + 60


VISIBLE_LABEL_BOXES = """
return Array.from(document.querySelectorAll('.minshi-label'))
  .filter(e => !e.classList.contains('minshi-label-off'))
  .map(e => { var r = e.firstChild.getBoundingClientRect();
              return [r.left, r.top, r.right, r.bottom]; });
"""
PANEL_BOXES = """
return Array.from(document.querySelectorAll('.minshi-box'))
  .map(e => { var r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; });
"""


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("name, at_least", [("counties", 25), ("allocation", 11)])
def test_region_names_never_sit_on_each_other_or_under_a_panel(browser, pages, name, at_least):
    open_offline(browser, pages[name], ready=READY)
    boxes = browser.execute_script(VISIBLE_LABEL_BOXES)
    assert len(boxes) >= at_least  # 60 county names at province zoom: as many as fit
    panels = browser.execute_script(PANEL_BOXES)
    for k, a in enumerate(boxes):
        assert not any(_overlap(a, b) for b in boxes[k + 1:])
        assert not any(_overlap(a, p) for p in panels)
    if name == "counties":
        browser.execute_script("minshiPage.map.setZoom(minshiPage.map.getZoom() + 2,"
                               " {animate: false})")
        # zooming in makes room: names left out at province zoom come back
        assert len(browser.execute_script(VISIBLE_LABEL_BOXES)) > len(boxes)


REGION_BOX = """
var b = minshiPage.layer.getBounds(), m = minshiPage.map;
var c = m.getContainer().getBoundingClientRect();
var nw = m.latLngToContainerPoint(b.getNorthWest());
var se = m.latLngToContainerPoint(b.getSouthEast());
return [c.left + nw.x, c.top + nw.y, c.left + se.x, c.top + se.y];
"""


def test_panels_leave_the_province_uncovered_on_a_wide_screen(browser, pages):
    open_offline(browser, pages["allocation"], ready=READY)
    province = browser.execute_script(REGION_BOX)
    for box_id in ("minshi-panel", "minshi-ranking"):
        r = browser.find_element(By.ID, box_id).rect
        assert not _overlap(province, [r["x"], r["y"], r["x"] + r["width"],
                                       r["y"] + r["height"]]), box_id


def test_small_screen_folds_the_ranking_until_asked(browser, pages):
    size = browser.get_window_size()
    browser.set_window_size(1024, 768)
    try:
        open_offline(browser, pages["allocation"], ready=READY)
        rows = "#minshi-ranking tr"
        assert browser.find_elements(By.CSS_SELECTOR, rows) == []
        r = browser.find_element(By.ID, "minshi-ranking").rect
        assert not _overlap(browser.execute_script(REGION_BOX),
                            [r["x"], r["y"], r["x"] + r["width"], r["y"] + r["height"]])
        browser.find_element(By.ID, "minshi-rank-fold").click()
        split = area_split("jilin")
        regions = len(split.target(split.target_ids[0]))
        assert len(browser.find_elements(By.CSS_SELECTOR, rows)) == 1 + regions
    finally:
        browser.set_window_size(size["width"], size["height"])


def test_printing_keeps_colours_and_ranking_and_drops_screen_only_controls(browser, pages):
    size = browser.get_window_size()
    browser.set_window_size(1024, 768)  # folded ranking on screen
    try:
        open_offline(browser, pages["allocation"], ready=READY)
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        style = browser.execute_script(
            "var s = e => getComputedStyle(document.querySelector(e));"
            "return [s('.leaflet-control-zoom').display, s('#minshi-search').display,"
            " s('body').printColorAdjust];"
        )
        assert style == ["none", "none", "exact"]
        browser.execute_script("window.dispatchEvent(new Event('beforeprint'))")
        assert len(browser.find_elements(By.CSS_SELECTOR, "#minshi-ranking tr")) > 1
        browser.execute_script("window.dispatchEvent(new Event('afterprint'))")
        assert browser.find_elements(By.CSS_SELECTOR, "#minshi-ranking tr") == []
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        browser.set_window_size(size["width"], size["height"])


def test_every_control_has_an_accessible_name(browser, pages):
    open_offline(browser, pages["progress"], ready=READY)
    named = browser.execute_script(
        "var ok = c => !!(c.labels && c.labels.length) || !!c.getAttribute('aria-label');"
        "return ['minshi-target', 'minshi-search', 'minshi-period']"
        ".map(id => ok(document.getElementById(id)));"
    )
    assert named == [True, True, True]
    group = browser.find_element(By.ID, "minshi-modes")
    assert group.get_attribute("role") == "radiogroup" and group.get_attribute("aria-label")


def test_scale_bar_reads_in_chinese_units(browser, pages):
    open_offline(browser, pages["allocation"], ready=READY)
    text = browser.find_element(By.CSS_SELECTOR, ".leaflet-control-scale-line").text
    assert text.endswith(("公里", "米")) and "km" not in text


def test_mode_set_from_script_moves_the_radio_too(browser, pages):
    open_offline(browser, pages["allocation"], ready=READY)
    browser.execute_script("minshiPage.setMode('share')")
    checked = browser.find_element(By.CSS_SELECTOR, "input[name=minshi-mode]:checked")
    assert checked.get_attribute("value") == "share"


@pytest.mark.parametrize("name, count", [("counties", 60), ("prefectures", 9)])
def test_other_region_sets_render_every_region(browser, pages, name, count):
    page = open_offline(browser, pages[name], ready=READY)
    fills = region_fills(browser)
    assert len(fills) == count
    assert len(set(fills)) > 2
    assert page.requests == []


# ---------------------------------------------------------------------------- compare
def test_compare_map_colours_gains_blue_losses_red_and_tooltips_both_values(browser, pages):
    page = open_offline(browser, pages["compare"], ready=READY)
    fills = region_fills(browser)
    assert fills[0] == "#2166ac"  # 长春市 +100 in B
    assert fills[1] == "#b2182b"  # 吉林市 −100 in B
    assert fills[2] == "#f7f7f7"  # unchanged
    text = hover_region(browser, 0)
    assert "A：" in text and "B：" in text and "+100" in text
    assert page.requests == []


def test_compare_tooltip_stays_narrow_with_long_scenario_titles(browser, tmp_path):
    from minshi_geo.allocation import Allocation

    split = area_split("jilin")
    long_title = "吉林省2023年民生实事 基准分解方案（人口、地区生产总值、面积、县级单位数）"
    a = Allocation(table=split.table, meta={**split.meta, "scenario_title": long_title},
                   factor_values=split.factor_values)
    b = Allocation(table=split.table, meta={**split.meta, "scenario": "b",
                                           "scenario_title": long_title + "（调整）"},
                   factor_values=split.factor_values)
    html = compare_map(a, b, load_region_set("jilin"), tmp_path / "compare.html")
    open_offline(browser, html, ready=READY)
    text = hover_region(browser, 0)
    assert "A：分配数量" in text and "B：分配数量" in text
    width = browser.execute_script(
        "var t = document.querySelectorAll('.leaflet-tooltip-pane .minshi-tip');"
        "return t[t.length - 1].getBoundingClientRect().width")
    assert width < 400
    assert long_title in browser.find_element(By.ID, "minshi-panel").text


# ---------------------------------------------------------------------------- progress
def test_progress_slider_moves_through_periods_and_recolours(browser, pages):
    page = open_offline(browser, pages["progress"], ready=READY)
    assert len(region_fills(browser)) == 11
    label = browser.find_element(By.ID, "minshi-period-label")
    assert label.text == "2023-09-30"
    Select(browser.find_element(By.ID, "minshi-target")).select_by_index(1)
    last = region_fills(browser)
    slider = browser.find_element(By.ID, "minshi-period")
    slider.send_keys(Keys.ARROW_LEFT)
    slider.send_keys(Keys.ARROW_LEFT)
    assert label.text == "2023-04-30"
    first = region_fills(browser)
    assert first != last
    assert page.requests == []


def test_progress_panel_lists_red_regions_and_tooltip_has_expected_and_gap(browser, pages):
    open_offline(browser, pages["progress"], ready=READY)
    panel = browser.find_element(By.ID, "minshi-list").text
    assert "严重滞后" in panel
    Select(browser.find_element(By.ID, "minshi-target")).select_by_index(1)
    text = hover_region(browser, 0)
    for word in ("分配任务", "累计完成", "序时进度", "差距"):
        assert word in text
    browser.find_element(By.CSS_SELECTOR, "input[name=minshi-mode][value=rate]").click()
    assert "完成率" in browser.find_element(By.ID, "minshi-legend").text


def test_short_screen_red_list_never_covers_the_period_slider(browser, pages):
    size = browser.get_window_size()
    browser.set_window_size(1024, 700)
    try:
        open_offline(browser, pages["progress"], ready=READY)
        boxes = browser.execute_script(
            "return ['minshi-panel', 'minshi-list'].map(id => {"
            " var r = document.getElementById(id).getBoundingClientRect();"
            " return [r.left, r.top, r.right, r.bottom]; })"
        )
        assert not _overlap(boxes[0], boxes[1])
        assert browser.find_element(By.ID, "minshi-period").is_displayed()
    finally:
        browser.set_window_size(size["width"], size["height"])


def test_short_wide_screen_ranking_stops_above_the_legend(browser, pages):
    size = browser.get_window_size()
    browser.set_window_size(1400, 600)
    try:
        # the comparison's legend is the tallest (seven classes + 无数据)
        open_offline(browser, pages["compare"], ready=READY)
        boxes = browser.execute_script(
            "return ['minshi-ranking', 'minshi-legend'].map(id => {"
            " var r = document.getElementById(id).getBoundingClientRect();"
            " return [r.left, r.top, r.right, r.bottom]; })"
        )
        assert not _overlap(boxes[0], boxes[1])
    finally:
        browser.set_window_size(size["width"], size["height"])


def test_progress_ranking_in_light_mode_shows_the_rate_it_is_ordered_by(browser, pages):
    open_offline(browser, pages["progress"], ready=READY)
    cells = browser.execute_script(
        "return Array.from(document.querySelectorAll('#minshi-ranking td.minshi-rank-v'))"
        ".map(td => td.textContent)"
    )
    assert cells and all("%" in c for c in cells)
    rates = [float(c.rsplit("·", 1)[1].strip().rstrip("%")) for c in cells]
    assert rates == sorted(rates, reverse=True)
    assert "完成率" in browser.find_element(By.CSS_SELECTOR, "#minshi-ranking th:last-child").text


# ---------------------------------------------------------------------------- acceptance
def test_baseline_plan_map_from_disk_shows_every_target_offline(browser, tmp_path):
    """What `minshi-geo demo` writes to maps/: every baseline target, coloured as computed."""
    jilin = load_region_set("jilin")
    written = write_plan_maps(baseline(), tmp_path / "maps", regions=jilin)
    page = open_offline(browser, written["allocation"], ready=READY)
    data, _ = allocation_page(baseline(), jilin)
    select = Select(browser.find_element(By.ID, "minshi-target"))
    assert [o.get_attribute("value") for o in select.options] == baseline().target_ids
    for target_id in baseline().target_ids:
        select.select_by_value(target_id)
        view = data.views[f"{target_id}|quantity"]
        assert region_fills(browser) == [
            "url(#minshi-hatch)" if c == NO_DATA else c  # 不参与 is hatched on the page
            for c in Classes(view["cls"], view["legend"]).colours()], target_id
    assert page.requests == []


def test_a_cdn_dependent_folium_page_is_caught_by_the_offline_check(browser, tmp_path):
    """The harness can fail: folium's default page asks CDNs for Leaflet and shows no map."""
    import folium

    fmap = folium.Map(location=[43.5, 126.5], zoom_start=6, tiles=None)
    folium.CircleMarker([43.9, 125.3], radius=8).add_to(fmap)
    fmap.save(tmp_path / "cdn.html")
    page = open_offline(browser, tmp_path / "cdn.html")
    assert any("leaflet" in url for url in page.requests)
    assert browser.execute_script("return typeof window.L") == "undefined"
