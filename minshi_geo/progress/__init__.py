"""Progress tracking: returned report files → store → 序时进度 status and lights."""
