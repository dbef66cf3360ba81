"""The console's RayCluster list with 1,000 stored RayClusters, in real Chromium, beside the API.

Run: ``.venv/bin/python -m bench.console_list --objects 1000 --rounds 9``.
A real ``raydeck up`` stores ``--objects`` RayClusters (as templates: 1,000
real clusters do not fit on one machine, and the list reads templates and
instances alike). Debian's Chromium, logged in through the console's login
form, then measures, alternating with the direct way each round:

- first rows: from ``page.goto('/rayclusters')`` until the first row is drawn
  (goal: median <= 1.5 s), beside ``GET .../rayclusters?limit=20`` over HTTP;
- search: from typing a name into the search box until the table shows only
  its match (goal: median <= 300 ms), beside ``GET ...?search=<name>&limit=20``.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx
from playwright.async_api import Page, async_playwright, expect

from bench.support import RaydeckServer, median

BASE = "/api/v1/namespaces/default/rayclusters"
CHROMIUM = "/usr/bin/chromium"


def body(name: str) -> dict[str, object]:
    container = {
        "name": "ray-head",
        "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "1"}},
    }
    worker = {
        "groupName": "workers",
        "replicas": 2,
        "minReplicas": 0,
        "maxReplicas": 4,
        "rayStartParams": {},
        "template": {"spec": {"containers": [{**container, "name": "ray-worker"}]}},
    }
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": name, "labels": {"team": f"t{hash(name) % 7}"}},
        "spec": {
            "rayVersion": "2.52.0",
            "headGroupSpec": {
                "rayStartParams": {},
                "template": {"spec": {"containers": [container]}},
            },
            "workerGroupSpecs": [worker],
        },
    }


async def store(server: RaydeckServer, count: int) -> None:
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=60) as api:
        semaphore = asyncio.Semaphore(8)

        async def one(index: int) -> None:
            async with semaphore:
                response = await api.post(
                    BASE, params={"type": "template"}, json=body(f"bench-{index:04d}")
                )
                response.raise_for_status()

        await asyncio.gather(*(one(i) for i in range(count)))


async def first_rows(page: Page, url: str) -> float:
    started = time.perf_counter()
    await page.goto(f"{url}/rayclusters")
    await expect(page.locator(".q-table tbody tr").first).to_contain_text("bench-", timeout=30_000)
    return time.perf_counter() - started


async def search(page: Page, name: str) -> float:
    box = page.get_by_label("Search by name")
    rows = page.locator(".q-table tbody tr")
    started = time.perf_counter()
    await box.fill(name)
    await expect(rows).to_have_count(1, timeout=30_000)
    await expect(rows.first).to_contain_text(name)
    return time.perf_counter() - started


async def direct(api: httpx.AsyncClient, params: dict[str, str]) -> float:
    started = time.perf_counter()
    response = await api.get(BASE, params={"limit": "20", **params})
    response.raise_for_status()
    return time.perf_counter() - started


async def run(objects: int, rounds: int) -> None:
    server = RaydeckServer()
    try:
        began = time.perf_counter()
        await store(server, objects)
        print(f"stored {objects} RayClusters in {time.perf_counter() - began:.1f} s")
        async with (
            async_playwright() as playwright,
            httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=60) as api,
        ):
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox"]
            )
            context = await browser.new_context(viewport={"width": 1400, "height": 900})
            page = await context.new_page()
            await page.goto(f"{server.url}/login")
            await page.get_by_label("User name").fill("admin")
            await page.get_by_label("Password").fill(server.password)
            await page.get_by_role("button", name="Log in").click()
            await expect(page.get_by_text("Overview").first).to_be_visible(timeout=30_000)
            await first_rows(page, server.url)  # warm-up: assets cached, as for a returning user
            console_rows, api_rows, console_search, api_search = [], [], [], []
            for index in range(rounds):
                name = f"bench-{(index * 97 + 13) % objects:04d}"
                api_rows.append(await direct(api, {}))
                console_rows.append(await first_rows(page, server.url))
                api_search.append(await direct(api, {"search": name}))
                console_search.append(await search(page, name))
            await browser.close()
    finally:
        await asyncio.to_thread(server.close)  # close() runs its own event loop
    report("first rows", console_rows, api_rows, goal=1.5)
    report("search", console_search, api_search, goal=0.3)


def report(what: str, console: list[float], api: list[float], *, goal: float) -> None:
    c, a = median(console), median(api)
    verdict = "meets" if c <= goal else "MISSES"
    print(
        f"{what:<11} console median {c * 1000:7.1f} ms  (goal <= {goal * 1000:.0f} ms: {verdict})"
        f" | API median {a * 1000:6.1f} ms | ratio console/API {c / a:5.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    asyncio.run(run(args.objects, args.rounds))


if __name__ == "__main__":
    main()
