"""A CJK font for the PNG tests: skipped with the reason when none is installed locally,
a failure when ``MINSHI_REQUIRE_CJK_FONT=1`` (``.ci/run``), like browser, LibreOffice and
PostgreSQL."""

from __future__ import annotations

import os

import pytest

from minshi_geo.fonts import FontMissingError, cjk_family


def require_cjk_font() -> str:
    try:
        return cjk_family()
    except FontMissingError as exc:
        reason = f"no CJK font installed for PNG export ({exc.hint})"
        if os.environ.get("MINSHI_REQUIRE_CJK_FONT") == "1":
            pytest.fail(reason + " but MINSHI_REQUIRE_CJK_FONT=1")
        pytest.skip(reason)
    raise AssertionError("unreachable")


@pytest.fixture
def cjk_font() -> str:
    return require_cjk_font()
