"""Serve applications the RayService tests deploy (imported by Ray workers via PYTHONPATH)."""

import asyncio
import os

from ray import serve
from starlette.requests import Request
from starlette.responses import StreamingResponse


@serve.deployment
class Greeter:
    def __init__(self) -> None:
        self.greeting = "hello"

    def reconfigure(self, config: dict[str, str]) -> None:
        self.greeting = config.get("greeting", "hello")

    async def __call__(self, request: Request) -> str:
        return f"{self.greeting} from {os.environ.get('APP_VERSION', 'v1')}"


@serve.deployment
class Echo:
    """Answers with the request body reversed, sent back in separate chunks of 1 KiB."""

    async def __call__(self, request: Request) -> StreamingResponse:
        reversed_body = (await request.body())[::-1]

        async def chunks():  # type: ignore[no-untyped-def]
            for start in range(0, len(reversed_body), 1024):
                yield reversed_body[start : start + 1024]
                await asyncio.sleep(0)

        return StreamingResponse(chunks(), media_type="application/octet-stream")


@serve.deployment
class Broken:
    def __init__(self) -> None:
        raise RuntimeError("this application cannot start")

    async def __call__(self, request: Request) -> str:
        return "never"


greeter = Greeter.bind()
echo = Echo.bind()
broken = Broken.bind()
