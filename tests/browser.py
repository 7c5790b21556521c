"""A headless Chromium for tests that look at rendered pages.

Use the `browser` fixture (make it visible with `from browser import browser`
in a test module, or in conftest.py):

    def test_page(browser, tmp_path):
        browser.load(tmp_path / "page.html", width=375)
        assert browser.js("return document.title") == "..."
        assert browser.console_errors() == []
        browser.screenshot(tmp_path / "phone.png")

It runs offline: the Chromium and chromedriver come from the system
(Debian: `apt-get install chromium chromium-driver`; override with
$CHROMIUM / $CHROMEDRIVER), never from Selenium's own downloader. Without
them the test is skipped, except where $CI is set: there a missing browser
fails the test, so CI cannot pass by skipping it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
_DRIVERS = ("chromedriver",)
_INSTALL_HINT = "apt-get install chromium chromium-driver; pip install selenium"


def _which(env: str, names: tuple[str, ...]) -> str | None:
    if os.environ.get(env):
        return shutil.which(os.environ[env])
    return next((p for p in map(shutil.which, names) if p), None)


def _unavailable(reason: str):
    """Skip locally; fail in CI, where the browser must be installed."""
    message = f"{reason} ({_INSTALL_HINT})"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {message}", pytrace=False)
    pytest.skip(message)


class Browser:
    """A WebDriver with the few operations page tests need."""

    def __init__(self, driver):
        self.driver = driver

    def load(self, page: str | Path, width: int = 1366, height: int = 900) -> None:
        """Open a URL or a local file with the viewport `width` x `height` CSS px.

        Below 600 px the browser acts as a phone's: a page without
        `<meta name="viewport" content="width=device-width">` is laid out
        980 px wide and shrunk, as a phone would show it."""
        url = page if isinstance(page, str) and "://" in page else Path(page).resolve().as_uri()
        self.set_viewport(width, height)
        self.driver.get(url)

    def set_viewport(self, width: int, height: int = 900) -> None:
        # Emulation sets the layout viewport itself, as a phone has it; a window
        # size would include the browser's frame and be clamped to a minimum.
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    def js(self, script: str, *args):
        """Run `script` in the page (`return ...` gives a value back)."""
        return self.driver.execute_script(script, *args)

    def console_errors(self) -> list[str]:
        """Severe messages from the browser log since the last call (JS errors,
        failed loads)."""
        return [entry["message"] for entry in self.driver.get_log("browser")
                if entry["level"] == "SEVERE"]

    def screenshot(self, path: str | Path) -> Path:
        """Save a PNG of the viewport to `path` (folders are made)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self.driver.save_screenshot(str(path)):
            raise RuntimeError(f"could not save a screenshot to {path}")
        return path


def start_browser() -> Browser:
    """A new headless Chromium; skips (or fails in CI) when none can start."""
    chromium = _which("CHROMIUM", _BROWSERS)
    driver_path = _which("CHROMEDRIVER", _DRIVERS)
    if not chromium or not driver_path:
        _unavailable(f"no {'Chromium' if not chromium else 'chromedriver'} found")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-dev-shm-usage", "--hide-scrollbars",
                 "--no-first-run", "--disable-extensions"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # Both paths are given, so Selenium Manager (which downloads) is not used.
    os.environ.setdefault("SE_AVOID_STATS", "true")
    try:
        driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    except Exception as error:  # a browser that cannot start is a missing browser
        _unavailable(f"Chromium did not start: {str(error).splitlines()[0]}")
    return Browser(driver)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (starting one takes a second)."""
    started = start_browser()
    try:
        yield started
    finally:
        started.driver.quit()
