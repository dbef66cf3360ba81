"""What a tenant's code tries from inside a node (run as a head's command): every path by which
finding 1 and finding 11 of the security review reached raydeck or another namespace.

It prints one ``PROBE {json}`` line: for each attempt, "done: ..." or "refused: <error>".
Deliberately standalone: the head runs it with ``python -c``, it imports nothing of raydeck.
"""

import importlib.util
import json
import os
import shutil
import sys


def attempt(action):
    try:
        return "done: " + repr(action())[:60]
    except Exception as e:  # every refusal counts, whatever its form
        return f"refused: {type(e).__name__}"


def open_existing_for_writing(path):
    # No O_CREAT: creating a file in a private tmpfs would prove nothing.
    os.close(os.open(path, os.O_WRONLY | os.O_APPEND))
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read(16)


def module_file(name):
    spec = importlib.util.find_spec(name)
    return spec.origin if spec else "/nonexistent"


data = os.environ["PROBE_DATA_DIR"]
victim_pid = int(os.environ["PROBE_VICTIM_PID"])
victim_dir = os.environ["PROBE_VICTIM_DIR"]
raydeck_pid = int(os.environ["PROBE_RAYDECK_PID"])
own = {"RAYDECK_TEST_SESSION", "RAYDECK_PROCESS_TAG"}
results = {
    "raydeck_env": sorted(k for k in os.environ if k.startswith("RAYDECK_") and k not in own),
    "uid": os.getuid(),
    "auth_mode": os.environ.get("RAY_AUTH_MODE"),
    "read_database": attempt(lambda: read(f"{data}/raydeck.db")),
    "write_database": attempt(lambda: open_existing_for_writing(f"{data}/raydeck.db")),
    "read_ray_auth_key": attempt(lambda: read(f"{data}/ray-auth.key")),
    "write_ray_shim": attempt(lambda: open_existing_for_writing(shutil.which("ray"))),
    "write_venv_ray": attempt(
        lambda: open_existing_for_writing(os.path.join(os.path.dirname(sys.executable), "ray"))
    ),
    "write_ray_package": attempt(lambda: open_existing_for_writing(module_file("ray"))),
    "write_raydeck_launcher": attempt(
        lambda: open_existing_for_writing(module_file("raydeck.platforms.local.raynode"))
    ),
    "read_other_namespace_dir": attempt(lambda: os.listdir(victim_dir)),
    "signal_other_namespace": attempt(lambda: os.kill(victim_pid, 0)),
    "read_other_namespace_environ": attempt(lambda: read(f"/proc/{victim_pid}/environ")),
    "read_raydeck_environ": attempt(lambda: read(f"/proc/{raydeck_pid}/environ")),
}
print("PROBE " + json.dumps(results, sort_keys=True), flush=True)
