"""The command's temporary Prefect server (no PREFECT_API_URL): killed with kill -9 mid-run, the command
takes the server with it, rather than leaving it running (as Prefect's own temporary server was); ending
normally, it stops the server after the run's logs have reached it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import CLI, SAMPLE_REFERENCE, wait_for

pytestmark = pytest.mark.crash
SERVER_APP = b"prefect.server.api.server:create_app"


def servers_of(home: Path) -> dict[int, str]:
    """{pid: API url} of every Prefect API server process whose PREFECT_HOME is `home`, read from /proc."""
    found = {}
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            if SERVER_APP in args and f"PREFECT_HOME={home}".encode() in (proc / "environ").read_bytes().split(b"\0"):
                found[int(proc.name)] = f"http://127.0.0.1:{args[args.index(b'--port') + 1].decode()}/api"
        except (OSError, ValueError):  # not a process, or gone meanwhile
            continue
    return found


def running_flow_runs(api: str) -> int:
    """How many flow runs the server holds in state Running (0 while it is still starting)."""
    try:
        runs = httpx.post(f"{api}/flow_runs/filter", json={}, timeout=5).json()
    except httpx.HTTPError:
        return 0
    return sum(1 for run in runs if (run.get("state") or {}).get("type") == "RUNNING")


def test_a_killed_command_leaves_no_prefect_server_running(tmp_path):
    home = tmp_path / "prefect-home"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | {"PREFECT_HOME": str(home)}
    command = subprocess.Popen([CLI, "ingest", "reference", "--source", SAMPLE_REFERENCE, "--workdir", str(tmp_path / "var")],
                               cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers = {}
    try:
        servers = wait_for(lambda: servers_of(home), 120, "the command's temporary server")
        (api,) = servers.values()
        wait_for(lambda: running_flow_runs(api), 180, "the ingest's flow run to be running")
        assert command.poll() is None, "the command ended before it could be killed"
        command.send_signal(signal.SIGKILL)
        assert command.wait(timeout=30) == -signal.SIGKILL
        deadline = time.monotonic() + 30
        while servers_of(home) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert servers_of(home) == {}, "the temporary Prefect server outlived the killed command"
    finally:
        command.kill()
        for pid in servers_of(home):  # only what this test started: servers with its own PREFECT_HOME
            os.kill(pid, signal.SIGKILL)


def test_a_command_that_ends_stops_its_server_and_says_done(tmp_path):
    home = tmp_path / "prefect-home"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | {"PREFECT_HOME": str(home)}
    done = subprocess.run([CLI, "build-marts", "--workdir", str(tmp_path / "var")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    try:
        assert done.returncode == 0 and "Done." in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
        assert "Error logging to API" not in done.stderr  # its logs reached the server before it stopped
        assert servers_of(home) == {}
    finally:
        for pid in servers_of(home):
            os.kill(pid, signal.SIGKILL)
