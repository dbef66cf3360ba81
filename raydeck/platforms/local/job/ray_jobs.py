"""The Ray Jobs API of one cluster, as the local platform's RayJob reconciler uses it.

Wraps Ray's ``JobSubmissionClient`` (which also uploads a local ``working_dir``)
in async calls run on a thread, and turns its failures into raydeck errors.
It decides nothing: when to submit, poll or stop is the reconciler's business.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from raydeck.errors import NotFound, PlatformUnavailable
from raydeck.platforms.local.job.submitter import Submission


@dataclass(frozen=True)
class JobInfo:
    status: str
    message: str
    start_ms: int | None
    end_ms: int | None


class RayJobsApi:
    def __init__(self, dashboard_url: str, *, headers: dict[str, str] | None = None) -> None:
        self._url = dashboard_url
        self._headers = headers or {}

    async def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        def run() -> Any:
            from ray.job_submission import JobSubmissionClient  # heavy: imported on first use

            client = JobSubmissionClient(self._url, headers=self._headers)
            return getattr(client, method)(*args, **kwargs)

        try:
            return await asyncio.to_thread(run)
        except (ConnectionError, TimeoutError) as e:
            raise PlatformUnavailable(
                f"the Ray Jobs API at {self._url} cannot be reached: {e}"
            ) from e
        except RuntimeError as e:
            if "does not exist" in str(e) or "404" in str(e):
                raise NotFound(f"Ray job not found at {self._url}: {e}") from e
            raise PlatformUnavailable(f"the Ray Jobs API at {self._url} failed: {e}") from e

    async def submit(self, submission: Submission) -> str:
        submitted: str = await self._call(
            "submit_job",
            entrypoint=submission.entrypoint,
            submission_id=submission.submission_id,
            runtime_env=submission.runtime_env,
            metadata=submission.metadata,
            entrypoint_num_cpus=submission.num_cpus,
            entrypoint_num_gpus=submission.num_gpus,
            entrypoint_resources=submission.resources,
        )
        return submitted

    async def info(self, submission_id: str) -> JobInfo:
        details = await self._call("get_job_info", submission_id)
        return JobInfo(
            status=str(
                details.status.value if hasattr(details.status, "value") else details.status
            ),
            message=str(details.message or ""),
            start_ms=details.start_time,
            end_ms=details.end_time,
        )

    async def stop(self, submission_id: str) -> bool:
        return bool(await self._call("stop_job", submission_id))

    async def logs(self, submission_id: str) -> str:
        return str(await self._call("get_job_logs", submission_id))
