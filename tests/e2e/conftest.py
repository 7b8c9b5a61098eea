"""The browser for the web-client tests: Chromium driven by Playwright, watched for errors.

The `browser` fixture skips when the `playwright` package or a Chromium is missing, and fails
instead when LEXSEAL_REQUIRE_BROWSER=1 (for CI). The `web` fixture opens one browser context
per user or visitor, records every JavaScript error and every failed same-origin request in any
of them, and fails the test at the end unless the test declared that failure as expected.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "demo-password"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
ACTION_TIMEOUT_MS = 45_000  # one click or one wait on a screen; the 2-core machine can be slow
NAVIGATION_TIMEOUT_MS = 90_000
BUS_TIMEOUT_S = 120.0  # what another service learns over the bus


# no screen still loading, no paged list still fetching its first page
def wait_js(page: Any, expression: str, arg: Any = None, *, timeout_s: float = 30.0) -> Any:
    """Poll a JavaScript function from here until it returns something truthy.

    Playwright's `wait_for_function` compiles its predicate inside the page, which the pages'
    Content-Security-Policy (no 'unsafe-eval') rightly forbids; `evaluate` runs through the
    debugging protocol, outside the page's policy.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {expression}")
        time.sleep(0.05)


SETTLED = """() => !document.querySelector('#main .loading')
  && ![...document.querySelectorAll('#main .paged > p.muted')]
       .some((p) => p.textContent.includes('加载中'))"""


def _unavailable(reason: str) -> None:
    if os.environ.get("LEXSEAL_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (LEXSEAL_REQUIRE_BROWSER=1: a missing browser fails)", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str | None:
    """Return the Chromium to drive: $LEXSEAL_CHROMIUM, else the first one on PATH."""
    configured = os.environ.get("LEXSEAL_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Start one headless Chromium for the whole session (the system's own, not a download)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the `playwright` package is not installed (`make install` installs it)")
    exe = chromium_path()
    if exe is None:
        _unavailable(
            "no Chromium: none on PATH (apt-get install chromium), or $LEXSEAL_CHROMIUM is not"
            " an executable"
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class Web:
    """One test's browser contexts, the screenshots it takes and everything that went wrong."""

    def __init__(self, browser: Any, base_url: str, shots: Path) -> None:
        self.browser = browser
        self.base = base_url.rstrip("/")
        self.shots = shots
        self.contexts: list[Any] = []
        self.problems: list[str] = []
        self.requests: list[str] = []  # "METHOD /path" of every same-origin request
        self._expected: list[str] = []  # failures the running step provokes on purpose
        self._shot = 0

    # ---- contexts ----

    def page(self) -> Any:
        """Open a fresh browser context (no cookies, no session) and a tab in it."""
        ctx = self.browser.new_context(
            viewport=VIEWPORT,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",  # where the firm works: "today" is its today
            accept_downloads=True,
        )
        ctx.set_default_timeout(ACTION_TIMEOUT_MS)
        ctx.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        ctx.on("weberror", lambda e: self._problem(f"JS error (pageerror): {e.error}"))
        ctx.on("request", self._request)
        ctx.on("response", self._response)
        ctx.on("requestfailed", self._request_failed)
        self.contexts.append(ctx)
        return ctx.new_page()

    def login(self, user: str) -> Any:
        """Sign in as a demo user through the login screen; return the tab on its home screen."""
        page = self.page()
        page.goto(self.base + "/")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", PASSWORD)
        page.click("form.login button[type=submit]")
        page.wait_for_selector("#nav a")
        self.settle(page)
        return page

    def token(self, user: str) -> str:
        """Return an API token of a demo user, to read results the screens do not show."""
        import httpx

        resp = httpx.post(
            self.base + "/api/auth/login", json={"username": user, "password": PASSWORD}, timeout=30
        )
        resp.raise_for_status()
        return str(resp.json()["access_token"])

    def open(self, page: Any, route: str) -> None:
        """Go to a screen of the web client by its hash route, and wait until it has loaded."""
        page.goto(f"{self.base}/#/{route}")
        self.settle(page)

    def visit(self, page: Any, url: str) -> None:
        """Open `url` afresh, as a user would open it again: on the same URL that is a reload."""
        if page.url == url:
            page.reload()  # a hash link to where the tab already is changes nothing
        else:
            page.goto(url)
        self.settle(page)

    def close(self) -> None:
        for ctx in self.contexts:
            ctx.close()
        self.contexts.clear()

    # ---- what went wrong ----

    @contextmanager
    def provoking(self, *failures: str) -> Iterator[None]:
        """Accept these failures (regular expressions of what `problems` would list) meanwhile."""
        self._expected.extend(failures)
        try:
            yield
        finally:
            del self._expected[-len(failures) :]

    def _problem(self, text: str) -> None:
        if not any(re.fullmatch(p, text) for p in self._expected):
            self.problems.append(text)

    def _path(self, url: str) -> str | None:
        return url[len(self.base) :] if url.startswith(self.base + "/") else None

    def _request(self, request: Any) -> None:
        path = self._path(request.url)
        if path is not None:
            self.requests.append(f"{request.method} {path}")

    def _response(self, response: Any) -> None:
        path = self._path(response.url)
        if path is None or response.status < 400:
            return
        self._problem(f"HTTP {response.status} {response.request.method} {path}")

    def _request_failed(self, request: Any) -> None:
        path = self._path(request.url)
        failure = request.failure or ""
        # a screen that is left while its images load aborts them; that is no failure
        if path is not None and "ERR_ABORTED" not in failure:
            self._problem(f"request failed: {request.method} {path}: {failure}")

    # ---- evidence ----

    def shot(self, page: Any, name: str) -> Path:
        """Save a screenshot of the whole page under the test's tmp_path."""
        self._shot += 1
        path = self.shots / f"{self._shot:02d}-{name}.png"
        page.evaluate("window.scrollTo(0, 0)")  # else the sticky header lands mid-picture
        page.screenshot(path=str(path), full_page=True)
        return path

    # ---- waiting and moving ----

    @staticmethod
    def wait_js(page: Any, expression: str, arg: Any = None, *, timeout_s: float = 30.0) -> Any:
        """Poll a JavaScript function until it returns something truthy (see `wait_js`)."""
        return wait_js(page, expression, arg, timeout_s=timeout_s)

    def settle(self, page: Any) -> None:
        """Wait until the current screen has finished loading its data."""
        wait_js(page, SETTLED)

    def eventually(
        self,
        page: Any,
        selector: str,
        *,
        what: str,
        timeout: float = BUS_TIMEOUT_S,
        prepare: Callable[[], object] | None = None,
    ) -> Any:
        """Reload the screen until `selector` shows: for what a service learns over the bus.

        `prepare` runs on each fresh screen before looking (to open a panel, say).
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        deadline = time.monotonic() + timeout
        while True:
            if prepare is not None:
                prepare()
            try:
                page.wait_for_selector(selector, timeout=8_000)
                return page.locator(selector).first
            except PlaywrightTimeout:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{what}: not shown after {timeout:.0f}s") from None
                page.reload()
                self.settle(page)

    @staticmethod
    def drag(page: Any, source: Any, target: Any, fx: float = 0.5, fy: float = 0.5) -> None:
        """Drag with the mouse from the middle of `source` to the point (fx, fy) of `target`.

        The window first scrolls so that both ends are on screen, as a user would scroll before
        dragging (a mouse cannot press or release outside the window).
        """
        height = page.viewport_size["height"]

        def ends() -> tuple[float, float, float, float]:
            s, t = source.bounding_box(), target.bounding_box()
            assert s is not None and t is not None, "drag: an end is not displayed"
            return (
                s["x"] + s["width"] / 2,
                s["y"] + s["height"] / 2,
                t["x"] + fx * t["width"],
                t["y"] + fy * t["height"],
            )

        for _ in range(4):  # a sticky source stays put while the page scrolls under it
            sx, sy, tx, ty = ends()
            if 10 < sy < height - 10 and 10 < ty < height - 10:
                break
            page.evaluate("dy => window.scrollBy(0, dy)", (sy + ty) / 2 - height / 2)
        else:
            raise AssertionError(f"drag: both ends do not fit on one screen ({sy:.0f}, {ty:.0f})")
        page.mouse.move(sx, sy)
        page.mouse.down()
        page.mouse.move(tx, ty, steps=15)
        page.mouse.up()

    @staticmethod
    def images_loaded(page: Any, selector: str, count: int | None = None) -> int:
        """Wait until every image matching `selector` has loaded (at least one, or `count`)."""
        wait_js(
            page,
            """([sel, count]) => {
                const imgs = [...document.querySelectorAll(sel)];
                return imgs.length > 0 && (count === null || imgs.length === count)
                    && imgs.every((i) => i.complete && i.naturalWidth > 0);
            }""",
            [selector, count],
        )
        return int(page.locator(selector).count())


CALL_REPORT = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep the test's own outcome where the `web` fixture can read it at teardown."""
    report = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    return report


@pytest.fixture
def web(browser: Any, system: Any, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Web]:
    """Browser contexts against the running system; fails the test on any JS or HTTP error."""
    shots = tmp_path / "screens"
    shots.mkdir()
    w = Web(browser, system.gateway_url, shots)
    try:
        yield w
        report = request.node.stash.get(CALL_REPORT, None)
        if report is not None and report.failed:  # what each open tab showed when it failed
            for ctx in w.contexts:
                for page in ctx.pages:
                    with suppress(Exception):  # a crashed tab must not hide the failure
                        w.shot(page, "failed")
            print(f"screenshots: {shots}")
    finally:
        w.close()
    assert w.problems == [], "errors in the browser:\n" + "\n".join(w.problems)
