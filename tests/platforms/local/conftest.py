"""Process fixtures for the local-platform tests: a supervisor that cleans up after itself.

Every process a test starts carries a tag under ``tag_prefix``; teardown kills
all of them, also when the test failed. Nothing here starts processes by itself.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest

from raydeck.platforms.local.processes import ProcessSupervisor


@pytest.fixture
def tag_prefix() -> str:
    """A tag prefix unique to this test, so cleanup never reaches another test's processes."""
    return f"rdtest-{os.getpid()}-{uuid.uuid4().hex[:8]}-"


@pytest.fixture
async def supervisor(tag_prefix: str) -> AsyncIterator[ProcessSupervisor]:
    sup = ProcessSupervisor()
    try:
        yield sup
    finally:
        await sup.terminate_tagged(tag_prefix, grace=2.0)
