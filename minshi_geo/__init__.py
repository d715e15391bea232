"""minshi-geo: split a province's 民生实事 (livelihood projects) plan among its regions.

Data flows one way:
catalogue + regions + indicators → scenario → Allocation → maps / sheets;
returned sheets (reports) → progress store → status → maps / sheets.
"""

__version__ = "0.1.0"
