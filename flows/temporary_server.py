"""The command's own temporary Prefect server, which dies with the command however the command ends.

Without PREFECT_API_URL, Prefect starts a temporary API server (a uvicorn child process) on first
use and stops it at exit; a command killed with SIGKILL (or by the OOM killer) runs no exit hook,
so that server used to be left running forever. This starts the same server as Prefect's own
(`SubprocessASGIServer`, same command, same settings) but asks Linux to send it SIGTERM when the
command dies (prctl PR_SET_PDEATHSIG), and points the run (and any process it starts) at it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from typing import Iterator

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with(parent: int) -> None:
    """In a new child, before exec: ask for SIGTERM when the parent dies; exit at once if it already has."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died between fork and prctl: no signal would ever come
        os._exit(1)


def server_class():
    """Prefect's temporary server, its child tied to the process that starts it."""
    import prefect
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import get_current_settings

    class ServerDyingWithParent(SubprocessASGIServer):
        """SubprocessASGIServer whose uvicorn process gets the parent-death signal."""

        def _run_uvicorn_command(self) -> subprocess.Popen:
            # Prefect's own command and environment (prefect/server/api/server.py), plus preexec_fn.
            command = [sys.executable, "-m", "uvicorn", "--app-dir", str(prefect.__module_path__.parent),
                       "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
                       "--port", str(self.port), "--log-level", "error", "--lifespan", "on"]
            env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                   "PREFECT__SERVER_FINAL": "1", **get_current_settings().to_environment_variables(exclude_unset=True)}
            parent = os.getpid()
            return subprocess.Popen(command, env=env, preexec_fn=lambda: die_with(parent))

    return ServerDyingWithParent


def needs_temporary_server() -> bool:
    """True when no API is configured and Prefect would start a temporary server of its own."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    return not PREFECT_API_URL.value() and bool(PREFECT_SERVER_EPHEMERAL_ENABLED.value()) and sys.platform == "linux"


@contextlib.contextmanager
def prefect_api() -> Iterator[str | None]:
    """The configured API as is; otherwise a temporary server tied to this process, stopped at its exit.

    Call it from the main thread: Linux sends the death signal when the thread that started the
    child exits, and only the main thread lives as long as the process.
    """
    if not needs_temporary_server():
        yield None
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # Prefect keeps one server per port, None for "any free port": this one takes that place, so
    # anything in this process that still asks Prefect for its temporary server gets this one.
    server = server_class()()
    server.start()  # registers its stop at exit, before Prefect's log and event senders register their drains,
    # so those run first and still reach it (stopped here, they would retry a dead server for a minute)
    os.environ["PREFECT_API_URL"] = server.api_url  # for child processes too: Dask workers, a flow's subprocesses
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield server.api_url
    finally:
        os.environ.pop("PREFECT_API_URL", None)
