"""Finding 13 in real Chromium: security headers on the console and API, and the Ray Dashboard
proxy's sandbox. The dashboard here is a hostile page (on Kubernetes the tenant picks the head
image) served by a real HTTP server through raydeck's real proxy; its script tries to read
raydeck's cookie and call raydeck's API as the signed-in platform-admin.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from playwright.async_api import async_playwright, expect

from tests.support.auth import ADMIN_PASSWORD, auth, login_sync
from tests.support.samples import raycluster
from tests.support.server import free_port
from tests.support.waiting import eventually, eventually_sync

pytestmark = [pytest.mark.browser]
CHROMIUM = "/usr/bin/chromium"
HOSTILE = """<!doctype html><html><body><script>
(async () => {
  const out = {};
  try { out.cookie = document.cookie; } catch (e) { out.cookie = "blocked: " + e.name; }
  for (const [key, url] of [["api", "/api/v1/whoami"], ["apiPost", "/api/v1/tokens"]]) {
    try {
      const method = key === "apiPost" ? "POST" : "GET";
      const r = await fetch(url, {method, credentials: "include"});
      out[key] = r.status + " " + (await r.text()).slice(0, 80);
    } catch (e) { out[key] = "blocked: " + e.name; }
  }
  document.body.dataset.result = JSON.stringify(out);
})();
</script></body></html>"""


@pytest.fixture(scope="module")
async def hostile_dashboard() -> AsyncIterator[str]:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text=HOSTILE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", page)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture(scope="module")
def raydeck(hostile_dashboard: str) -> Iterator[str]:
    data_dir = Path(tempfile.mkdtemp(prefix="rd", dir="/tmp"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "tests.security.hostile_app", str(data_dir), str(port)]
    with (data_dir / "server.log").open("ab") as log:
        process = subprocess.Popen(
            [*command, hostile_dashboard],
            cwd=Path(__file__).resolve().parents[2],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def answers() -> bool:
            if _answers(url):
                return True
            assert process.poll() is None, (data_dir / "server.log").read_text()[-2000:]
            return False

        eventually_sync(answers, timeout=60, what="raydeck to answer /healthz")
        headers = auth(login_sync(url))
        created = httpx.post(
            f"{url}/api/v1/namespaces/default/rayclusters", json=raycluster("c"), headers=headers
        )
        assert created.status_code == 201, created.text
        yield url
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        shutil.rmtree(data_dir, ignore_errors=True)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz").status_code == 200
    except httpx.HTTPError:
        return False


def test_the_console_and_api_answer_with_security_headers(raydeck: str) -> None:
    for path in ("/", "/api/v1/whoami", "/healthz"):
        headers = httpx.get(f"{raydeck}{path}").headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


async def test_the_console_works_in_chromium_under_its_policy(raydeck: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = await browser.new_page()
            violations: list[str] = []
            page.on(
                "console",
                lambda m: violations.append(m.text) if "Content Security" in m.text else None,
            )
            page.on("pageerror", lambda e: violations.append(str(e)))
            await page.goto(f"{raydeck}/rayclusters")
            await page.get_by_label("User name").fill("admin")
            await page.get_by_label("Password").fill(ADMIN_PASSWORD)
            await page.get_by_role("button", name="Log in").click()
            banner = page.get_by_role("banner")
            await expect(banner.get_by_text("admin", exact=True)).to_be_visible(timeout=15_000)
            await expect(page.get_by_text("c", exact=True).first).to_be_visible(timeout=15_000)
            assert violations == []
        finally:
            await browser.close()


async def test_the_proxied_dashboards_script_cannot_use_raydecks_session(raydeck: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = await browser.new_context()
            signed_in = await context.request.post(
                f"{raydeck}/api/v1/session", form={"username": "admin", "password": ADMIN_PASSWORD}
            )
            assert signed_in.ok
            page = await context.new_page()
            await page.goto(f"{raydeck}/rayclusters/default/c/dashboard/")

            async def finished() -> bool:
                return await page.evaluate("document.body.dataset.result") is not None

            await eventually(finished, timeout=30, what="the dashboard's script to finish")
            result = json.loads(await page.evaluate("document.body.dataset.result"))
            assert result["cookie"] == "blocked: SecurityError", result
            assert result["api"].startswith("blocked"), result
            assert result["apiPost"].startswith("blocked"), result
            tokens = await context.request.get(f"{raydeck}/api/v1/tokens")
            made = [t for t in (await tokens.json())["items"] if t["description"] == "api"]
            assert made == []  # the script's POST made no token for itself
        finally:
            await browser.close()
