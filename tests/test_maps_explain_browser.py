"""The allocation map explains each number (headless Debian Chromium, network off): the tooltip
shows the factor shares, the formula result, the rule, the proxy caveat and the 敏感性 range,
all from explanation.csv / robustness.csv; hostile names and sources stay text."""

from __future__ import annotations

import pytest
from browser_fixtures import browser_session, open_offline
from maps_fixtures import HOSTILE_HTML, baseline, hostile_regions
from selenium.webdriver.support.ui import Select
from test_maps_browser import READY, assert_no_alert, hover_region

from minshi_geo.allocation import Allocation
from minshi_geo.maps import allocation_map
from minshi_geo.regions import load_region_set

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    yield from browser_session()


def _hostile(allocation: Allocation) -> Allocation:
    """Region 220100 named with markup, and a source title with markup, in every table."""
    table = allocation.table.copy()
    table.loc[table["region_code"] == "220100", "region_name"] = HOSTILE_HTML
    expl = allocation.explanation.copy()
    expl.loc[expl["region_code"] == "220100", "region_name"] = HOSTILE_HTML
    first = expl.loc[expl["target_id"] == "29.2", "factor"].iloc[0]
    expl.loc[expl["factor"] == first, "source_title"] = "<script>alert(3)</script>"
    return Allocation(table=table, meta=allocation.meta, factor_values=allocation.factor_values,
                      explanation=expl, robustness=allocation.robustness)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("explain-maps")
    split = baseline()
    return {
        "baseline": allocation_map(split, load_region_set("jilin"), out / "baseline.html"),
        "hostile": allocation_map(_hostile(split), hostile_regions("jilin", "220100"),
                                  out / "hostile.html"),
    }


def _show(driver, target_id: str) -> None:
    Select(driver.find_element("id", "minshi-target")).select_by_value(target_id)


def _cell(target_id: str = "29.2", code: str = "220100"):
    """The cell as the explanation tells it (the numbers follow the baseline data)."""
    from minshi_geo.derivation import cells

    return next(c for c in cells(baseline()) if c.target_id == target_id
                and c.region_code == code)


def test_tooltip_shows_shares_formula_rule_caveat_and_range(browser, pages):
    from minshi_geo.derivation import pct

    cell = _cell()
    open_offline(browser, pages["baseline"], ready=READY)
    _show(browser, "29.2")
    text = hover_region(browser, 0)
    assert "长春市" in text
    for f in cell.factors:
        assert f"{f.label}份额 {pct(f.share)} × {f.weight:g}" in text
    assert cell.result in text and cell.result.startswith("150 × ")
    assert "适用规则" in text and "无（按因素份额）" in text
    assert "代理指标" in text
    assert cell.short in text and ", 区间 " in cell.short
    width = browser.execute_script(
        "var t = document.querySelectorAll('.leaflet-tooltip-pane .minshi-tip');"
        "return t[t.length - 1].getBoundingClientRect().width")
    assert width < 500


def test_data_object_carries_the_detail_rows(browser, pages):
    cell = _cell()
    open_offline(browser, pages["baseline"], ready=READY)
    rows = browser.execute_script(
        "return minshiPage.data.layers['29.2'].explain.map(r => [r[0], r[1][0]])")
    by = dict(rows)
    assert by["公式"] == cell.formula and by["公式"].startswith("150 × (0.5 × ")
    first = cell.factors[0].name
    assert "2020年" in browser.execute_script(
        f"return minshiPage.data.facts['{first}'].sources[0]")
    assert "代理指标" in browser.execute_script("return minshiPage.data.layers['29.2'].caveat")
    assert by["敏感性"] == cell.range_text and by["敏感性"].startswith("区间 ")


def test_hostile_names_and_sources_stay_text(browser, pages):
    page = open_offline(browser, pages["hostile"], ready=READY)
    assert_no_alert(browser)
    _show(browser, "29.2")
    text = hover_region(browser, 0)
    assert HOSTILE_HTML in text
    assert "区间" in text
    first = _cell().factors[0].name
    sources = browser.execute_script(f"return minshiPage.data.facts['{first}'].sources[0]")
    assert "<script>alert(3)</script>" in sources
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    assert_no_alert(browser)
    assert page.requests == []


def test_detail_panel_explains_the_shown_target(browser, pages):
    open_offline(browser, pages["baseline"], ready=READY)
    _show(browser, "29.2")
    browser.execute_script("minshiPage.map.fire('click')")  # nothing open yet
    from selenium.webdriver.common.by import By

    hover_region(browser, 0)
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).click().perform()
    box = browser.find_element(By.ID, "minshi-explain")
    text = box.text
    assert "测算说明 · 29.2" in text
    cell = _cell()
    assert cell.formula in text
    assert cell.range_text in text and "代理指标" in text and "来源 · " in text
    assert "取整" in text
