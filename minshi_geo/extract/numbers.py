"""Number reading for the extractor is :mod:`minshi_geo.numbers` (one reader for the
catalogue, the extractor, reports and indicators); re-exported here for the extract modules."""

from minshi_geo.numbers import (
    NUMBER_RE,
    NumberFormatError,
    NumberToken,
    find_numbers,
    parse_chinese,
    parse_number,
)

__all__ = ["NUMBER_RE", "NumberFormatError", "NumberToken", "find_numbers", "parse_chinese",
           "parse_number"]  # fmt: skip
