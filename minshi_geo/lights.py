"""The one light vocabulary (进度状态): words, colours, rules and the roll-up of many lights.

Every output that shows a light — the progress map, the 通报 workbooks, the CLI and the Word
通报 — takes its word and colour from :data:`STATES` here, and states the rule with
:func:`rule_text`, so 已完成 is the same green everywhere and 滞后 means the same thing.

The status table (``minshi_geo.progress.status``) keeps its ``light`` column
(done/green/yellow/red/none, a contract); :func:`state_of` refines it into the seven states a
planner reads:

==========  ==============  =================================================================
key         word            rule (defaults: yellow = 10, red = 30 points)
==========  ==============  =================================================================
done        已完成          完成率达到100%（定性事项报“已完成”）
ahead       提前            完成率超过序时进度
on_track    符合序时进度    落后序时进度不足10个百分点
behind      滞后            落后序时进度10个百分点及以上、30个百分点及以内
far_behind  严重滞后        落后序时进度超过30个百分点；定性事项过期限仍未完成
missing     未报送          本地区有任务，尚无报送数据
not_judged  不适用          不按序时进度评价：全省统一的比率、标准类指标，推进中的定性事项
==========  ==============  =================================================================

Roll-up (a region's or the province's overall state, :func:`overall`): every judged item done
→ 已完成; otherwise the mean completion rate of its count items (each capped at 100 %) against
their mean 序时进度, by the same thresholds; then two floors a leader would insist on — any
严重滞后 item makes the whole at least 滞后, and when more than half of the judged items are 滞后
or 严重滞后 the whole is 严重滞后. The reason is returned in words, with the count per state.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from minshi_geo.errors import MinshiError


class LightRuleError(MinshiError):
    """Bad light thresholds."""


@dataclass(frozen=True)
class Thresholds:
    """Light thresholds in percentage points behind 序时进度.

    ``yellow`` to ``red`` points behind (both ends included) is 滞后, more than ``red`` is
    严重滞后, less than ``yellow`` behind is 符合序时进度. ``Thresholds(yellow=0)`` is the strict
    reading: any shortfall is 滞后.
    """

    yellow: float = 10.0
    red: float = 30.0

    def __post_init__(self) -> None:
        if not (0 <= self.yellow <= self.red) or not math.isfinite(self.red):
            raise LightRuleError(
                f"thresholds: expected 0 ≤ yellow ≤ red points, got yellow={self.yellow}, "
                f"red={self.red}"
            )

    def light_for_gap(self, gap: float) -> str:
        """Light for a shortfall of ``-gap`` points (gap < 0 = behind)."""
        if gap is None or (isinstance(gap, float) and math.isnan(gap)):
            return "none"
        behind = round(-gap, 9)  # 10.000000001 points behind is 10 points behind
        if behind <= 0 or behind < self.yellow:
            return "green"
        if behind <= self.red:
            return "yellow"
        return "red"


@dataclass(frozen=True)
class State:
    """One 进度状态: its key, the word planners read, its colours and its status-table light."""

    key: str
    word: str
    colour: str  # fill, "#rrggbb"
    text_colour: str  # text on that fill
    light: str  # the status table's light this state refines


STATES: tuple[State, ...] = (
    State("done", "已完成", "#1a9850", "#ffffff", "done"),
    State("ahead", "提前", "#66bd63", "#000000", "green"),
    State("on_track", "符合序时进度", "#d9ef8b", "#000000", "green"),
    State("behind", "滞后", "#fee08b", "#000000", "yellow"),
    State("far_behind", "严重滞后", "#d73027", "#ffffff", "red"),
    State("missing", "未报送", "#bdbdbd", "#000000", "none"),
    State("not_judged", "不适用", "#f0f0f0", "#595959", "none"),
)
BY_KEY: dict[str, State] = {s.key: s for s in STATES}
KEYS: tuple[str, ...] = tuple(s.key for s in STATES)
JUDGED: tuple[str, ...] = ("done", "ahead", "on_track", "behind", "far_behind")
LAGGING: tuple[str, ...] = ("behind", "far_behind")
# worst first
_RANK = {"far_behind": 0, "behind": 1, "on_track": 2, "ahead": 3, "done": 4}


def state(key: str) -> State:
    return BY_KEY[key]


def word(key: str) -> str:
    return BY_KEY[key].word


def colour(key: str) -> str:
    return BY_KEY[key].colour


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def is_reported(completed: Any, status: Any) -> bool:
    """A status-table row carries a reported value (a number or a 进展状态)."""
    has_number = completed is not None and not (isinstance(completed, float)
                                                and math.isnan(completed))
    return has_number or isinstance(status, str)


def row_state(row: Mapping[str, Any]) -> str:
    """The state key of a status-table row (a dict or Series): its ``state`` column when the
    table has one, else :func:`state_of` its light, gap and reported value."""
    key = row.get("state")
    if isinstance(key, str) and key in BY_KEY:
        return key
    return state_of(row.get("light"), row.get("gap"),
                    is_reported(row.get("completed"), row.get("status")))


def state_of(light: Any, gap: Any = None, reported: bool = False) -> str:
    """The state key of a status-table row from its ``light``, ``gap`` and whether a value
    came in (see :func:`minshi_geo.progress.status.is_reported`)."""
    light = light if isinstance(light, str) else "none"
    if light == "done":
        return "done"
    if light == "green":
        return "ahead" if not _missing(gap) and float(gap) > 0 else "on_track"
    if light == "yellow":
        return "behind"
    if light == "red":
        return "far_behind"
    return "not_judged" if reported else "missing"


def worst(keys: Iterable[str]) -> str | None:
    """The worst judged state of ``keys`` (None when none is judged)."""
    judged = [k for k in keys if k in _RANK]
    return min(judged, key=_RANK.__getitem__) if judged else None


def rule_text(thresholds: Thresholds = Thresholds()) -> str:
    """The light rule in one sentence, from the configured thresholds."""
    return (
        f"完成率达到100%为已完成，超过序时进度为提前；落后序时进度不足{thresholds.yellow:g}个"
        f"百分点为符合序时进度，{thresholds.yellow:g}个百分点及以上为滞后，超过"
        f"{thresholds.red:g}个百分点为严重滞后；全省统一的比率、标准类指标和推进中的定性事项"
        f"不按序时进度评价（不适用），定性事项过期限未完成为严重滞后"
    )


def rule_of(key: str, thresholds: Thresholds = Thresholds()) -> str:
    """The rule of one state in words."""
    y, r = f"{thresholds.yellow:g}", f"{thresholds.red:g}"
    return {
        "done": "完成率达到100%（定性事项报“已完成”）",
        "ahead": "完成率超过序时进度",
        "on_track": f"落后序时进度不足{y}个百分点",
        "behind": f"落后序时进度{y}个百分点及以上、{r}个百分点及以内",
        "far_behind": f"落后序时进度超过{r}个百分点；定性事项过期限仍未完成",
        "missing": "本地区有任务，尚无报送数据",
        "not_judged": "不按序时进度评价：全省统一的比率、标准类指标，推进中的定性事项",
    }[key]


ROLLUP_RULE = (
    "综合状态：各项均已完成为已完成；否则按各数量指标完成率（单项封顶100%）的平均值对比平均"
    "序时进度评定；有严重滞后事项的至少为滞后；滞后和严重滞后事项超过已评价事项一半的为严重滞后"
)


def counts(keys: Iterable[str]) -> dict[str, int]:
    """Items per state, every state present (0 when none)."""
    out = dict.fromkeys(KEYS, 0)
    for k in keys:
        out[k] += 1
    return out


def counts_text(n: Mapping[str, int], keys: Iterable[str] = KEYS) -> str:
    """``已完成12项、滞后3项`` — states with a count only."""
    return "、".join(f"{word(k)}{int(n[k])}项" for k in keys if int(n.get(k, 0)))


def overall(
    n: Mapping[str, int], base: str | None, base_note: str = ""
) -> tuple[str, str]:
    """A region's or the province's overall state and the reason in words.

    ``n``: items per state (:func:`counts`); ``base``: the state of the mean completion rate
    against the mean 序时进度 (None when no count item has a value; then the worst item
    counts); ``base_note`` describes that comparison (平均完成率46.0%，平均序时进度49.6%).
    """
    judged = sum(int(n.get(k, 0)) for k in JUDGED)
    if judged == 0:
        key = "missing" if int(n.get("missing", 0)) else "not_judged"
        return key, "无已评价事项"
    if int(n.get("done", 0)) == judged:
        return "done", f"{judged}项均已完成"
    lagging = int(n.get("behind", 0)) + int(n.get("far_behind", 0))
    if base is None:
        base = worst(k for k in JUDGED if int(n.get(k, 0))) or "on_track"
        reason = "无数量指标，取各事项中最差状态"
    else:
        reason = base_note or "按平均完成率对比平均序时进度"
    if base == "done":  # the mean is capped at 100 %, but not every item is done
        base = "on_track"
    key = base
    if lagging * 2 > judged and key != "far_behind":
        key = "far_behind"
        reason = f"滞后和严重滞后事项{lagging}项，超过已评价事项{judged}项的一半"
    elif int(n.get("far_behind", 0)) and _RANK[key] > _RANK["behind"]:
        key = "behind"
        reason = f"有严重滞后事项{int(n['far_behind'])}项，综合至少为滞后（{reason}）"
    return key, reason


def legend_rows(thresholds: Thresholds = Thresholds()) -> list[tuple[str, str, str, str]]:
    """(key, word, colour, rule) per state, in order: the legend of every output."""
    return [(s.key, s.word, s.colour, rule_of(s.key, thresholds)) for s in STATES]
