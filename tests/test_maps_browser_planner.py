"""The map answers a planner's questions (issue 15), in real headless Chromium: search by
region, a detail panel for a clicked region, CSV export equal to the allocation table, a print
stylesheet without controls, and names that sit on their own region at 1366×768."""

from __future__ import annotations

import csv
import io

import pytest
from browser_fixtures import browser_session, open_offline
from maps_fixtures import baseline
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from minshi_geo.maps import allocation_map
from minshi_geo.regions import load_region_set

pytestmark = pytest.mark.browser
READY = "return !!window.minshiPage"


@pytest.fixture(scope="module")
def browser():
    yield from browser_session()


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("planner-maps")
    return allocation_map(baseline(), load_region_set("jilin"), out / "allocation.html")


def hover_label(browser, i: int) -> str:
    """Move the real mouse onto the name of region i; the tooltip that opens."""
    from selenium.webdriver.common.action_chains import ActionChains

    span = browser.find_elements(By.CSS_SELECTOR, ".minshi-label-text")[i]
    ActionChains(browser).move_to_element(span).perform()
    tips = browser.find_elements(By.CSS_SELECTOR, ".leaflet-tooltip-pane .minshi-tip")
    return tips[-1].text if tips else ""


def index_of(browser, name: str) -> int:
    return browser.execute_script(
        "return minshiPage.data.regions.findIndex(r => r.name === arguments[0])", name)


def test_typing_a_region_finds_it_and_opens_its_detail_panel(browser, page):
    open_offline(browser, page, ready=READY)
    search = browser.find_element(By.ID, "minshi-search")
    search.send_keys("延边")
    hits = browser.find_elements(By.CSS_SELECTOR, "#minshi-region-hits button")
    assert [h.text for h in hits] == ["地区：延边朝鲜族自治州"]
    assert not browser.find_element(By.ID, "minshi-nohit").is_displayed()
    search.send_keys(Keys.ENTER)
    detail = browser.find_element(By.ID, "minshi-detail")
    assert detail.is_displayed()
    assert detail.find_element(By.CSS_SELECTOR, ".minshi-detail-name").text == "延边朝鲜族自治州"


def test_clicking_a_region_lists_all_its_targets_numbers_and_shares(browser, page):
    open_offline(browser, page, ready=READY)
    i = index_of(browser, "长春市")
    browser.execute_script("minshiPage.shapes[arguments[0]].fire('click')", i)
    detail = browser.find_element(By.ID, "minshi-detail")
    assert detail.is_displayed()
    rows = detail.find_elements(By.CSS_SELECTOR, ".minshi-detail-table tr")
    heads = [c.text for c in rows[0].find_elements(By.TAG_NAME, "th")]
    assert heads[0] == "指标" and any("比例" in h or "占" in h for h in heads)
    allocation = baseline()
    assert len(rows) - 1 == len(allocation.target_ids)
    first = allocation.table[(allocation.table["target_id"] == allocation.target_ids[0])
                             & (allocation.table["region_code"] == "220100")].iloc[0]
    cells = [c.text for c in rows[1].find_elements(By.TAG_NAME, "td")]
    assert f"{int(first['quantity']):,}" in cells[1].replace(" ", "")
    browser.find_element(By.ID, "minshi-detail-close").click()
    assert not detail.is_displayed()


def test_csv_export_of_the_shown_target_equals_the_allocation_table(browser, page):
    open_offline(browser, page, ready=READY)
    allocation = baseline()
    target = allocation.target_ids[3]
    browser.execute_script("minshiPage.setLayer(arguments[0]);"
                           "window.__saved = [];"
                           "minshiPage.download = (n, t) => window.__saved.push([n, t]);",
                           target)
    browser.find_element(By.ID, "minshi-export-csv").click()
    name, text = browser.execute_script("return window.__saved[0]")
    assert name.endswith(".csv") and text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    expected = allocation.target(target)
    assert [r["region_code"] for r in rows] == list(expected["region_code"])
    assert {r["target_id"] for r in rows} == {target}
    quantity = next(k for k in rows[0] if "数量" in k)
    assert [float(r[quantity]) for r in rows] == [float(q) for q in expected["quantity"]]


def test_print_stylesheet_hides_controls_and_keeps_title_legend_ranking_and_date(browser, page):
    open_offline(browser, page, ready=READY)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        shown = browser.execute_script(
            "var d = s => document.querySelector(s).getClientRects().length ? 'shown' : 'none';"
            "return ['#minshi-target', '#minshi-search', '#minshi-modes', '#minshi-export-csv',"
            " '.leaflet-control-zoom', '.minshi-title', '#minshi-legend', '#minshi-ranking',"
            " '#minshi-print-date'].map(d);")
        assert shown[:5] == ["none"] * 5
        assert all(v != "none" for v in shown[5:]), shown
        assert browser.find_element(By.ID, "minshi-print-date").text.startswith("打印日期：")
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


LABEL_HIT = """
var i = arguments[0];
var span = document.querySelectorAll('.minshi-label')[i].firstChild;
var r = span.getBoundingClientRect(), y = (r.top + r.bottom) / 2;
// What the mouse meets at a point of the name: the name itself answers for its region.
var top = x => { var e = document.elementFromPoint(x, y);
  if (e && e.getAttribute('data-minshi-region') !== null) {
    return 'minshi-r' + e.getAttribute('data-minshi-region'); }
  return e && Array.from(e.classList).find(c => /^minshi-r\\d+$/.test(c)); };
var under = x => document.elementsFromPoint(x, y)
  .filter(e => e.classList && e.classList.contains('minshi-region'))
  .map(e => Array.from(e.classList).find(c => /^minshi-r\\d+$/.test(c)))[0];
return {shown: !span.parentNode.classList.contains('minshi-label-off'),
        hits: [top((r.left + r.right) / 2), top(r.left + 3), top(r.right - 3),
               under((r.left + r.right) / 2)]};
"""


@pytest.mark.parametrize("name", ["梅河口市", "辽源市", "通化市"])
def test_region_names_sit_on_their_own_region_at_1366x768(browser, page, name):
    size = browser.get_window_size()
    browser.set_window_size(1366, 768)
    try:
        open_offline(browser, page, ready=READY)
        i = index_of(browser, name)
        found = browser.execute_script(LABEL_HIT, i)
        assert found["shown"], name
        assert found["hits"] == [f"minshi-r{i}"] * 4, found  # the middle is on its polygon
        tip = hover_label(browser, i)
        assert tip.startswith(name), tip
    finally:
        browser.set_window_size(size["width"], size["height"])


def test_numbers_on_the_regions_follow_the_shown_view(browser, page):
    open_offline(browser, page, ready=READY)
    browser.find_element(By.ID, "minshi-numbers").click()
    i = index_of(browser, "长春市")
    text = browser.execute_script(
        "return document.querySelectorAll('.minshi-label')[arguments[0]].textContent", i)
    value = browser.execute_script(
        "var p = minshiPage, s = p.state;"
        "return p.data.views[s.layer + '|' + s.mode].value[arguments[0]]", i)
    assert text.startswith("长春") and text.endswith(value)
