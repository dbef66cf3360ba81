"""What a real ``raydeck up`` logs: its own events at the default level, every request at debug."""

from __future__ import annotations

import httpx
import pytest

from tests.support.server import Server
from tests.support.waiting import eventually

REQUEST_LINE = '"GET /healthz HTTP/1.1" 200'


async def _log_after_requests(server: Server) -> str:
    server.start("up")
    await server.ready()
    async with httpx.AsyncClient(base_url=server.url) as client:
        for _ in range(3):
            assert (await client.get("/healthz")).status_code == 200
    return (server.data_dir / "server-up.log").read_text()


async def test_up_logs_no_line_per_request_at_the_default_level(server: Server) -> None:
    log = await _log_after_requests(server)
    assert "raydeck is starting at" in log
    assert REQUEST_LINE not in log


@pytest.mark.parametrize("level", ["debug", "DEBUG"])
async def test_up_at_log_level_debug_logs_one_line_per_request(server: Server, level: str) -> None:
    server.env["RAYDECK_LOG_LEVEL"] = level
    await _log_after_requests(server)
    log = server.data_dir / "server-up.log"

    async def logged() -> bool:
        return log.read_text().count(REQUEST_LINE) >= 3

    await eventually(logged, timeout=10, what="three request lines in the log")
