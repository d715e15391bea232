"""Session defaults for the tests.

Messages are Chinese by default for planners (minshi_geo/messages.py); the tests read them in
English, the developers' language, unless a test sets MINSHI_LANG=zh itself.
"""

import os

os.environ.setdefault("MINSHI_LANG", "en")
