"""Word documents the office issues (the monthly 通报)."""
