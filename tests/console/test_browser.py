"""The console end to end in real Chromium against a real ``raydeck serve`` and real Ray.

One raydeck process and one browser for the module; the steps run in file
order. Screenshots of the pages land in docs/screenshots/ (the README shows them).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from raydeck.platforms.local.processes import ProcessSupervisor
from tests.support.auth import ADMIN_PASSWORD, auth, login_sync
from tests.support.samples import raycluster
from tests.support.waiting import eventually

pytestmark = [pytest.mark.ray, pytest.mark.browser]
CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CLUSTERS = "/api/v1/namespaces/default/rayclusters"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[str]:
    data_dir = Path(tempfile.mkdtemp(prefix="rd", dir="/tmp"))
    port = free_port()
    raydeck = Path(sys.executable).parent / "raydeck"
    with (data_dir / "server.log").open("ab") as log:
        process = subprocess.Popen(
            [str(raydeck), "up", "--port", str(port), "--data-dir", str(data_dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={
                **os.environ,
                "RAY_USAGE_STATS_ENABLED": "0",
                "RAYDECK_ADMIN_PASSWORD": ADMIN_PASSWORD,
            },
        )
    url = f"http://127.0.0.1:{port}"
    try:

        async def up() -> bool:
            try:
                async with httpx.AsyncClient() as client:
                    return (await client.get(f"{url}/healthz")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(up, timeout=60, what="raydeck to start")
        yield url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.to_thread(process.wait, 60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        instance = data_dir / "instance-id"
        if instance.exists():
            prefix = f"raydeck:{instance.read_text().strip()}:"
            await ProcessSupervisor().terminate_tagged(prefix, grace=0)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test installs Debian's chromium")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        await launched.close()


@pytest.fixture(scope="module")
def token(server: str) -> str:
    return login_sync(server)


async def log_in(page: Page, server: str, path: str = "/") -> None:
    """Through the login form, as a person does; the session cookie lands in the browser."""
    await page.goto(f"{server}{path}")
    await page.get_by_label("User name").fill("admin")
    await page.get_by_label("Password").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_text("admin", exact=True)).to_be_visible(timeout=15_000)


@pytest.fixture
async def page(browser: Browser, server: str) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    opened = await context.new_page()
    await log_in(opened, server)
    yield opened
    await context.close()


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"))


async def api_get(server: str, token: str, path: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server, timeout=30, headers=auth(token)) as client:
        return await client.get(path)


async def test_login_refuses_a_wrong_password_and_comes_back_to_the_page_asked_for(
    server: str, browser: Browser
) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    try:
        await page.goto(f"{server}/rayjobs")
        await page.get_by_label("User name").fill("admin")
        await page.get_by_label("Password").fill("not-the-password")
        await page.get_by_role("button", name="Log in").click()
        await expect(page.get_by_text("the user name or password is wrong")).to_be_visible()
        await shot(page, "login")
        await page.get_by_label("Password").fill(ADMIN_PASSWORD)
        await page.get_by_role("button", name="Log in").click()
        await expect(page.get_by_role("button", name="Create RayJob")).to_be_visible()
        assert page.url == f"{server}/rayjobs"
        cookie = next(c for c in await context.cookies() if c["name"] == "raydeck_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        await page.get_by_role("button", name="Log out").click()
        await expect(page.get_by_role("button", name="Log in")).to_be_visible()
        await page.goto(f"{server}/rayclusters")
        await expect(page.get_by_role("button", name="Log in")).to_be_visible()
    finally:
        await context.close()


async def test_create_by_form_watch_ready_edit_yaml_stop_and_delete(
    server: str, token: str, page: Page
) -> None:
    await page.goto(f"{server}/rayclusters")
    await expect(page.get_by_text("No RayClusters yet.")).to_be_visible()
    await page.get_by_role("button", name="Create RayCluster").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Name", exact=True).fill("from-browser")
    await dialog.get_by_role(
        "button", name="Remove worker group workers"
    ).click()  # head only: quicker to start
    await shot(page, "create-dialog")
    await dialog.get_by_role("button", name="Create and start").click()

    await expect(page).to_have_url(f"{server}/rayclusters/default/from-browser", timeout=15_000)
    # Real Ray takes seconds to start: the page says what is under way meanwhile.
    await expect(page.get_by_text("Waiting to start")).to_be_visible(timeout=10_000)
    chip = page.locator(".q-badge").first
    await expect(chip).to_have_text("ready", timeout=180_000)
    await shot(page, "raycluster-detail")

    await page.get_by_role("tab", name="YAML").click()
    editor = page.locator("textarea").first
    text = await editor.input_value()
    await editor.fill(text.replace("metadata:\n", "metadata:\n  labels:\n    team: browser\n", 1))
    await page.get_by_role("button", name="Apply").click()
    await expect(page.get_by_text("Applied")).to_be_visible()
    body = (await api_get(server, token, f"{CLUSTERS}/from-browser")).json()
    assert body["metadata"]["labels"] == {"team": "browser"}

    await page.get_by_role("tab", name="Details").click()
    delete = page.get_by_role("button", name="Delete")
    await expect(delete).to_be_disabled()  # running: stop it first
    await delete.hover()
    await expect(page.get_by_role("tooltip")).to_have_text(
        "This RayCluster is running; stop it first, then delete it."
    )
    await page.get_by_role("button", name="Stop").click()
    await expect(chip).to_have_text("suspended", timeout=120_000)
    await expect(delete).to_be_enabled()
    await delete.click()
    await page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    await page.wait_for_timeout(2000)
    notes = await page.locator(".q-notification").all_inner_texts()
    assert page.url == f"{server}/rayclusters", notes
    assert (await api_get(server, token, f"{CLUSTERS}/from-browser")).status_code == 404


async def test_yaml_error_shows_its_line_and_upload_then_batch_delete(
    server: str, token: str, page: Page, tmp_path: Path
) -> None:
    await page.goto(f"{server}/rayclusters")
    await page.get_by_role("button", name="Create RayCluster").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_role("tab", name="YAML").click()
    editor = dialog.locator("textarea")
    text = await editor.input_value()
    await editor.fill(text.replace("replicas: 1", "replicas: 9"))  # more than maxReplicas 5
    problem = dialog.get_by_text("spec.workerGroupSpecs[0].replicas")
    await expect(problem).to_be_visible()
    assert "line " in (await problem.inner_text())
    await shot(page, "create-yaml-error")
    await dialog.get_by_role("button", name="Create and start").click()
    await expect(problem).to_be_visible()  # refused: nothing stored
    assert (await api_get(server, token, CLUSTERS)).json()["total"] == 0
    await dialog.get_by_role("button", name="Cancel").click()

    names = ["uploaded-a", "uploaded-b"]
    for name in names:
        path = tmp_path / f"{name}.yaml"
        path.write_text(text.replace("name: my-raycluster", f"name: {name}"))
        await page.get_by_role("button", name="Create RayCluster").click()
        dialog = page.get_by_role("dialog")
        await dialog.get_by_role("tab", name="Upload").click()
        await dialog.locator("input[type=file]").set_input_files(str(path))
        await expect(dialog.locator("textarea")).to_have_value(path.read_text(), timeout=10_000)
        await dialog.get_by_role("button", name="Create", exact=True).click()  # a template
        await expect(page.get_by_role("dialog")).to_be_hidden()
    table = page.locator(".q-table")
    for name in names:
        await expect(table.get_by_text(name)).to_be_visible()
    await shot(page, "rayclusters-list")

    await table.locator("thead .q-checkbox").click()  # select every row on the page
    await page.get_by_role("button", name="Delete selected").click()
    await page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    await expect(page.get_by_text("No RayClusters yet.")).to_be_visible()
    assert (await api_get(server, token, CLUSTERS)).json()["total"] == 0


@pytest.fixture(scope="module")
async def charted(server: str, token: str) -> AsyncIterator[str]:
    """A head-only RayCluster running for the module's last steps; stopped after them."""
    async with httpx.AsyncClient(base_url=server, timeout=30, headers=auth(token)) as api:
        created = await api.post(CLUSTERS, json=raycluster("charted", workers=0))
        assert created.status_code == 201, created.text

        async def ready() -> bool:
            status = (await api.get(f"{CLUSTERS}/charted")).json().get("status") or {}
            return status.get("state") == "ready"

        await eventually(ready, timeout=180, what="the charted cluster to be ready")
        yield "charted"
        await api.post(f"{CLUSTERS}/charted/stop")


async def test_overview_shows_the_counters_and_draws_charts(
    server: str, charted: str, page: Page
) -> None:
    await page.goto(server)
    await expect(page.get_by_text("Overview").first).to_be_visible()
    main = page.get_by_role("main")
    for kind in ("RayClusters", "RayJobs", "RayServices"):
        await expect(main.get_by_role("link", name=kind, exact=True)).to_be_visible()
    running = page.locator(".q-card", has_text="Ray clusters running")
    await expect(running).to_contain_text("1", timeout=30_000)
    cpu = page.locator(".q-card", has_text="CPU").filter(has_text="cores").first
    await expect(cpu).not_to_contain_text("of 0 cores", timeout=30_000)
    # Ray's own figures arrive once its metrics agent exports them (seconds after ready).
    logical = page.locator(".q-card", has_text="Ray logical CPU")
    await expect(logical).not_to_contain_text("of 0 in use", timeout=120_000)
    await assert_charts(page)


async def test_ray_job_submit_reaches_a_cluster_through_the_proxy(
    server: str, token: str, charted: str
) -> None:
    """Ray's own CLI, as an InteractiveMode user runs it: raydeck's token, never Ray's."""
    ray = Path(sys.executable).parent / "ray"
    address = f"{server}/rayclusters/default/{charted}/dashboard"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    submitted = await asyncio.to_thread(
        subprocess.run,
        [
            str(ray), "job", "submit", "--address", address,
            "--headers", json.dumps(auth(token)),
            "--submission-id", "through-proxy", "--", "echo", "hello-through-proxy",
        ],
        capture_output=True, text=True, timeout=180, env=env,
    )  # fmt: skip
    output = submitted.stdout + submitted.stderr
    assert submitted.returncode == 0, output
    assert "hello-through-proxy" in output and "succeeded" in output
    anonymous = await asyncio.to_thread(
        subprocess.run,
        [str(ray), "job", "list", "--address", address],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert anonymous.returncode != 0  # no raydeck token: the proxy refuses
    tail = f"{address}/api/jobs/through-proxy/logs/tail".replace("http", "ws", 1)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(tail)
        assert refused.value.status == 401
        async with session.ws_connect(tail, headers=auth(token)) as socket:
            text = "".join([m.data async for m in socket if m.type == aiohttp.WSMsgType.TEXT])
        assert "hello-through-proxy" in text


async def assert_charts(page: Page) -> None:
    charts = page.locator("canvas")
    await expect(charts).to_have_count(3, timeout=15_000)
    for index in range(3):
        box = await charts.nth(index).bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 100
    await shot(page, "overview")
    await page.get_by_text("30 min").click()
    await expect(page.get_by_text("range 30m")).to_be_visible()
