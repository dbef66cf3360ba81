"""The Serve application the RayService benchmark deploys: a constant answer naming its version."""

import os

from ray import serve
from starlette.requests import Request


@serve.deployment(max_ongoing_requests=64)
class Version:
    async def __call__(self, request: Request) -> str:
        return os.environ.get("APP_VERSION", "v1")


app = Version.bind()
