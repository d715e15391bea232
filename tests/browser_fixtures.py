"""A real headless Chromium (Debian ``chromium`` + ``chromium-driver``) for map tests.

Use it from a test module (tests/conftest.py is shared, so the fixture is declared there)::

    from browser_fixtures import browser_session, open_offline

    @pytest.fixture(scope="session")
    def browser():
        yield from browser_session()

The browser runs with the network off: Chromium's host resolver maps every name to
NOTFOUND and the DevTools protocol puts the page offline, so a map that still depended on a
CDN would show nothing. :func:`open_offline` also returns every http(s) request the page
tried (DevTools log + Resource Timing), which the tests require to be empty.

A missing browser skips the tests locally, but fails them when ``MINSHI_REQUIRE_BROWSER=1``
(set by ``.ci/run``), so CI can never pass without having run them.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
DRIVER_CANDIDATES = ("/usr/bin/chromedriver",)


def _first_existing(candidates: tuple[str, ...], env: str) -> str | None:
    configured = os.environ.get(env)
    for path in ((configured,) if configured else ()) + candidates:
        if path and Path(path).is_file() and os.access(path, os.X_OK):
            return path
    return None


def find_browser() -> tuple[str, str] | None:
    """(chromium, chromedriver) paths, or None when either is missing."""
    chromium = _first_existing(CHROMIUM_CANDIDATES, "MINSHI_CHROMIUM")
    driver = _first_existing(DRIVER_CANDIDATES, "MINSHI_CHROMEDRIVER")
    if chromium and driver:
        return chromium, driver
    return None


def start_chromium(user_data_dir: str | Path, *, offline: bool = True, width: int = 1280,
                   height: int = 900, loopback: bool = False):
    """A Selenium Chrome driver on Debian's chromium, never downloading anything.

    ``loopback=True`` (with ``offline=False``): 127.0.0.1 stays reachable — a test server —
    while every host name still resolves to nothing."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = find_browser()
    if found is None:
        raise RuntimeError("chromium/chromedriver not found")
    chromium, driver_path = found
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        f"--window-size={width},{height}",
        f"--user-data-dir={user_data_dir}",
        # Offline: any host name resolves to nothing.
        "--host-resolver-rules=MAP * ~NOTFOUND" + (", EXCLUDE 127.0.0.1" if loopback else ""),
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    if offline:
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
        )
    return driver


@dataclass
class LoadedPage:
    driver: object
    requests: list[str]  # every http(s) URL the page asked for (must be empty)
    console: list[dict]  # browser console entries (errors show here)


def network_requests(driver) -> list[str]:
    """http(s) URLs requested since the last call (DevTools performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if url.startswith(("http:", "https:", "ws:", "wss:")):
                urls.append(url)
    return urls


def open_offline(driver, html: str | Path, *, ready: str | None = None,
                 timeout: float = 20.0) -> LoadedPage:
    """Open a saved map from disk (file://) and wait until ``ready`` (JS expression) is true."""
    driver.get_log("performance")  # drop entries from earlier pages
    driver.get_log("browser")
    driver.get(Path(html).resolve().as_uri())
    condition = ready or "return document.readyState === 'complete'"
    deadline = time.monotonic() + timeout
    while not driver.execute_script(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"page not ready after {timeout}s: {condition}")
        time.sleep(0.05)
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    requests = network_requests(driver) + [
        r for r in resources if r.startswith(("http:", "https:"))
    ]
    return LoadedPage(driver=driver, requests=requests, console=driver.get_log("browser"))


def browser_session() -> Iterator[object]:
    """One offline headless Chromium (fails in CI when missing, skips elsewhere)."""
    if find_browser() is None:
        reason = ("Debian chromium + chromium-driver not installed "
                  "(/usr/bin/chromium, /usr/bin/chromedriver)")
        if os.environ.get("MINSHI_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " but MINSHI_REQUIRE_BROWSER=1")
        pytest.skip(reason)
    profile = tempfile.mkdtemp(prefix="minshi-chromium-")
    driver = start_chromium(profile)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
