"""The bundled 2020 census tables (data/indicators/census2020/): complete, consistent, sourced.

They are built by scripts/build_indicators.py from the upstream files (see
data/indicators/README.md); these checks run on what is committed, with no network."""

from __future__ import annotations

import pandas as pd
import pytest

from minshi_geo import census
from minshi_geo.indicators import CENSUS_DIR, census_table

PROVINCES = sorted(p.name.split(".")[0] for p in CENSUS_DIR.glob("*.csv.gz"))


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return census_table(PROVINCES)


def test_one_table_per_mainland_province_plus_the_national_row():
    assert len(PROVINCES) == 32 and "100000" in PROVINCES and "370000" in PROVINCES


def test_every_level_adds_up_for_every_indicator(table):
    assert census.sum_mismatches(table) == []
    values = table.pivot(index="region_code", columns="indicator", values="value")
    provinces = [c for c in values.index if c.endswith("0000") and c != "100000"]
    assert len(provinces) == 31
    for indicator in census.INDICATORS:
        assert values.loc[provinces, indicator].sum() == values.at["100000", indicator], indicator
    assert values.at["100000", "population"] == 1_409_778_724
    assert values.at["100000", "villages"] == 506_594  # every 村委会 of the 2020 list


def test_urban_plus_rural_is_total_everywhere(table):
    values = table.pivot(index="region_code", columns="indicator", values="value")
    both = values[["population", "urban_population", "rural_population"]].dropna()
    assert len(both) > 3300
    assert (both["urban_population"] + both["rural_population"] == both["population"]).all()


def test_every_row_has_a_source_and_year_and_derived_rows_say_how(table):
    assert (table["source_title"] != "").all() and (table["source_url"] != "").all()
    assert (table["year"] == 2020).all()
    derived = table[table["indicator"].isin(["population_0_14", "villages"])]
    assert (derived["derivation"] != "").all()
    read = table[table["indicator"].isin(["population", "rural_population", "households"])]
    assert (read["derivation"] == "").all()


def test_age_groups_nest(table):
    values = table.pivot(index="region_code", columns="indicator", values="value").dropna()
    assert (values["population_5_14"] <= values["population_0_14"]).all()
    assert (values["population_65_plus"] <= values["population_60_plus"]).all()
    assert (values["population_0_14"] + values["population_60_plus"] < values["population"]).all()


def test_development_zones_and_recoded_counties_are_kept_with_notes(table):
    jilin = table[table["region_code"].str.startswith("22")]
    zone = jilin[(jilin["region_code"] == "220171") & (jilin["indicator"] == "population")]
    assert zone["value"].item() == 429_387 and "功能区" in zone["note"].item()
    # 南通 崇川区: 320602 in the 2020-06-30 code list, 320613 in the yearbook — matched by name
    chongchuan = table[(table["region_code"] == "320613") & (table["indicator"] == "villages")]
    assert "320602" in chongchuan["note"].item()


def test_code_rules():
    assert census.level_of("370000") == "province"
    assert census.level_of("370100") == "prefecture" and census.level_of("370103") == "county"
    assert census.parent_of("370103") == "370100" and census.parent_of("370100") == "370000"
    assert census.parent_of("419001", {"410000", "419001"}) == "410000"  # 济源, no 419000 row
