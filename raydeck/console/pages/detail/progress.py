"""What is under way for an object, in words, with the figures its status gives.

The detail page shows it under the header while something is happening (starting,
queued, stopping, upgrading, running a job) and hides it otherwise. A pure function
of the object and its state word.
"""

from __future__ import annotations

from raydeck.resources import raycluster, rayjob
from raydeck.resources.summary import State
from raydeck.store.records import StoredObject

#: States in which work is under way, and how to say so.
_BUSY: dict[str, str] = {
    State.PENDING: "Waiting to start",
    State.QUEUED: "Queued for admission",
    State.NEW: "Waiting to start",
    State.INITIALIZING: "Starting",
    State.SUSPENDING: "Stopping: the last processes are ending",
    State.UPGRADING: "Upgrading: a new cluster is being prepared; traffic stays on the old one",
    State.RUNNING: "Running",
    State.RETRYING: "Retrying after a failure",
    State.WAITING: "Waiting for you to submit the job and set spec.jobId (InteractiveMode)",
}


def progress_text(obj: StoredObject, state: str) -> str | None:
    """What is under way now for ``obj`` in ``state``; ``None`` when nothing is."""
    word = state.lower()
    text = _BUSY.get(word)
    if text is None:
        return None
    status = obj.status or {}
    if obj.kind == rayjob.KIND and word == State.RUNNING:
        return f"Job {status.get('jobId', '')} running on {status.get('rayClusterName', '-')}"
    desired = status.get("desiredWorkerReplicas")
    if obj.kind == raycluster.KIND and desired is not None:
        text += f": {status.get('readyWorkerReplicas') or 0} of {desired} workers ready"
    queue = status.get("queue") or (status.get("rayClusterStatus") or {}).get("queue") or {}
    if word == State.QUEUED and queue:
        return f"{text} at position {queue.get('position')}: {queue.get('reason')}"
    if word == State.PENDING and status.get("message"):
        return f"{text} ({status['message']})"
    if status.get("reason"):
        return f"{text} ({status['reason']})"
    return text
