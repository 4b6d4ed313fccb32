"""Browser tests run against `live_server` (a transactional database that is flushed after
each test); tests/conftest.py loads the seeds back after each of them, for the tests that
follow."""

from __future__ import annotations

import inspect
import os
import sys
import types
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def _frames(context: int = 1) -> list[inspect.FrameInfo]:
    """inspect.stack without reading source files: Playwright's sync API takes the caller's
    stack on every call (for its error messages' API name and location) through
    inspect.stack(0), whose per-frame getmodule/getsourcefile lookups were ~8 % of the
    browser tests' Python time; it reads only the frames, file names and line numbers."""
    frame = sys._getframe(1)
    frames = []
    while frame is not None:
        code = frame.f_code
        frames.append(
            inspect.FrameInfo(frame, code.co_filename, frame.f_lineno, code.co_name, None, None)
        )
        frame = frame.f_back
    return frames


def _playwright_cheap_stacks() -> None:
    from playwright._impl import _connection, _network, _sync_base

    shim = types.SimpleNamespace(
        **{name: getattr(inspect, name) for name in dir(inspect) if not name.startswith("__")}
    )
    shim.stack = _frames
    for module in (_connection, _network, _sync_base):
        module.inspect = shim  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"нет Chromium ({CHROMIUM}): apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    _playwright_cheap_stacks()

    # Playwright's sync API keeps an event loop running in this thread; the test's own ORM
    # calls are still synchronous, so Django's async-safety guard is lifted while it runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def csp_violations_of(page) -> list[str]:
    """The Content-Security-Policy violations the page reports on its console from now on
    (each with the page's address), collected into the returned list."""
    found: list[str] = []
    page.on(
        "console",
        lambda msg: found.append(f"{page.url}: {msg.text}")
        if "Content Security Policy" in msg.text or "Refused to" in msg.text
        else None,
    )
    return found
