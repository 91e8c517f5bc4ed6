"""Debian's Chromium, driven by Playwright, for the page tests (never ``playwright install``).

Without Chromium a page test skips with the command that installs it; in CI (``CI`` set, or the
embedded pass of ``.ci/run``, which checks the skip reasons) a missing browser is a failure.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, expect, sync_playwright

from tests.conftest import require_service

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


# Playwright's assertions wait 5 s by default, whatever a context's timeout says; live changes on
# CI's two busy cores (two server processes, Chromium, the test) get more before a test fails.
expect.set_options(timeout=15_000)


def require_chromium() -> None:
    require_service("Chromium", CHROMIUM.exists(), how="apt-get install chromium")


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Debian Chromium, closed on exit."""
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def wait_js(page: Any, expression: str, arg: Any = None, timeout: float = 30.0) -> Any:
    """Evaluate ``expression`` (may be an async function: its promise is awaited) until it returns
    something truthy, and return that. ``page.wait_for_function`` cannot wait on an async predicate:
    the promise itself counts as truthy, so it returns at once."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for: {expression[:120]}")
        time.sleep(0.1)
