"""Swagger UI and ReDoc work with no internet: a headless Chromium drives /docs on a
running server (Authorize, Try it out, Execute) and every request the pages make stays on
that server.

Playwright drives Debian's /usr/bin/chromium (or CHROMIUM_PATH); `playwright install`
is never run, since it would download a browser.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.platform.liveserver import LiveServer

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
TIMEOUT_MS = 30_000


class AssetLinks(HTMLParser):
    """Collects the URLs a page's script, link, img and iframe tags load."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            if value and name in ("src", "href") and tag in ("script", "link", "img", "iframe"):
                self.urls.append(value)

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


@pytest.mark.slow
@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_their_assets_from_the_service(live_server: LiveServer, page: str) -> None:
    html = httpx.get(f"{live_server.base_url}{page}", timeout=10)
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    links = AssetLinks()
    links.feed(html.text)
    assert links.urls, "the page loads no assets at all?"
    for url in links.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{page} loads {url} from another host"
        asset = httpx.get(f"{live_server.base_url}{url}", timeout=10)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url
    for script in links.inline:
        assert "http://" not in script and "https://" not in script, script
    assert "cdn" not in html.text.lower()
    # The policy makes the browser refuse anything a bundle would fetch from elsewhere.
    policy = html.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    assert "http" not in policy


@pytest.fixture(scope="module")
def browser_context(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """A Chromium context with a fresh profile that refuses every request off the server."""
    try:
        from playwright import sync_api
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[dev]'")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)")
    own = urlsplit(live_server.base_url).netloc
    offsite: list[str] = []
    errors: list[str] = []
    refused: list[str] = []  # what the Content-Security-Policy blocked, per the console

    def guard(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != own:
            offsite.append(url)
            route.abort()
        else:
            route.continue_()

    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 1600},
        )
        try:
            context.set_default_timeout(TIMEOUT_MS)
            context.route("**/*", guard)
            context.on("weberror", lambda error: errors.append(str(error.error)))
            context.on(
                "console",
                lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
            )
            yield {"context": context, "offsite": offsite, "errors": errors, "refused": refused}
        finally:
            context.close()


def execute(page: Any, operation_id: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """Open one operation in Swagger UI, Try it out, Execute; return the shown response."""
    block = page.locator(f"[id$='-{operation_id}'].opblock")
    block.locator(".opblock-summary").first.click()
    try_it = block.get_by_role("button", name="Try it out")
    if try_it.count():  # tryItOutEnabled opens the editor already
        try_it.click()
    if body is not None:
        block.locator("textarea.body-param__text").fill(json.dumps(body, indent=2))
    block.get_by_role("button", name="Execute").click()
    live = block.locator(".live-responses-table")
    status = live.locator(".response .response-col_status").first
    status.wait_for()
    shown = live.locator(".response-col_description .microlight").first.inner_text()
    curl = block.locator(".curl-command").inner_text()
    assert "Authorization: Bearer" in curl, curl
    return int(status.inner_text().strip()), json.loads(shown)


@pytest.mark.slow
def test_swagger_ui_authorizes_and_executes_a_post_and_a_get(
    live_server: LiveServer, admin_key: str, browser_context: dict[str, Any]
) -> None:
    page = browser_context["context"].new_page()
    page.goto(f"{live_server.base_url}/docs")
    page.locator(".swagger-ui .info .title").filter(has_text="Career Mobility Service").wait_for()

    page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".modal-ux")
    dialog.locator("input").first.fill(admin_key)
    dialog.locator(".auth-btn-wrapper button.authorize").click()
    dialog.get_by_role("button", name="Close").click()
    assert page.locator(".auth-wrapper button.authorize.locked").count() == 1

    code = f"PW-{uuid.uuid4().hex[:8]}"
    position = {
        "code": code,
        "title": "Charge Nurse",
        "family": "Nursing",
        "track": "individual",
        "level": 4,
        "pay_band": {"currency": "USD", "min": "70000", "max": "90000"},
    }
    status, created = execute(page, "create_position", position)
    assert status == 201, created
    assert created["code"] == code
    assert created["pay_band"]["midpoint"] == "80000.00"

    status, listed = execute(page, "list_positions")
    assert status == 200, listed
    assert code in [item["code"] for item in listed["items"]]
    if os.environ.get("DOCS_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["DOCS_SCREENSHOTS"], "swagger.png"))

    # The page really talked to the server, as the key's organization.
    with live_server.client(admin_key) as client:
        fetched = client.get(f"/v1/positions/{created['id']}")
    assert fetched.status_code == 200 and fetched.json()["code"] == code
    assert browser_context["offsite"] == [], "the docs page reached for another host"
    assert browser_context["errors"] == []
    assert browser_context["refused"] == [], "the policy blocked something Swagger UI needs"


@pytest.mark.slow
def test_redoc_renders_the_operations(
    live_server: LiveServer, browser_context: dict[str, Any]
) -> None:
    page = browser_context["context"].new_page()
    page.goto(f"{live_server.base_url}/redoc")
    page.locator("h1").filter(has_text="Career Mobility Service").first.wait_for()
    page.locator("h2").filter(has_text="Create a position").first.wait_for()
    page.locator("h2").filter(has_text="Readiness: database reachable").first.wait_for()
    if os.environ.get("DOCS_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["DOCS_SCREENSHOTS"], "redoc.png"))
    assert page.get_by_text("Something went wrong").count() == 0
    assert browser_context["offsite"] == [], "the ReDoc page reached for another host"
    # The one thing the policy blocks is ReDoc's sidebar logo on its CDN.
    for message in browser_context["refused"]:
        assert "cdn.redoc.ly" in message, message
