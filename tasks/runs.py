"""Run identity and the retry policy for tasks that touch files, the network or the database."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import uuid
from dataclasses import dataclass

from tasks.errors import FileRejected, SourceError


@dataclass(frozen=True)
class Run:
    """A feed run: its Prefect flow run id, and its number, which the load ids of its files hold."""

    id: str
    number: int


def reserve_run_number(engine) -> int:
    """The next run number, from the warehouse's sequence: unique across processes and machines."""
    import sqlalchemy as sa

    with engine.begin() as conn:
        return conn.execute(sa.text("select nextval('etl_run_seq')")).scalar_one()


def current_run_id() -> str:
    """The Prefect flow run id, or a fresh uuid when called outside a flow (unit tests, benchmarks)."""
    from prefect.runtime import flow_run

    return str(flow_run.id or uuid.uuid4())


def is_transient(exc: BaseException) -> bool:
    """I/O and database connection errors are worth a retry; a bad file never is."""
    import sqlalchemy.exc

    if isinstance(exc, (FileRejected, SourceError, FileNotFoundError)):
        return False
    if isinstance(exc, sqlalchemy.exc.DBAPIError):
        return exc.connection_invalidated or isinstance(exc, sqlalchemy.exc.OperationalError)
    return isinstance(exc, (OSError, TimeoutError, ConnectionError))


def retry_on_io(task, task_run, state) -> bool:
    """Prefect retry_condition_fn: retry only transient I/O failures."""
    exc = state.result(raise_on_failure=False)
    return isinstance(exc, BaseException) and is_transient(exc)


_FROZEN = False


def release_memory() -> None:
    """Hand freed memory back to the OS between files, so peak memory stays at about one file.

    pandas and GX free their frames, but glibc keeps the pages unless asked to trim them.
    """
    gc.collect()
    global _FROZEN
    if not _FROZEN:
        # What lives after the first file (Prefect, GX and pandas's modules and caches) lives for
        # the run: frozen once, it is not walked by every later collection (0.34 s a file,
        # measured). Freezing at every call would also freeze each batch's objects, and any of
        # them that died later in a reference cycle (an engine and its pooled connections) would
        # never be collected.
        gc.freeze()
        _FROZEN = True
    libc = ctypes.util.find_library("c")
    if libc:
        try:
            ctypes.CDLL(libc).malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
            pass
