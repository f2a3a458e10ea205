"""The warehouse-writes limit: a Prefect global concurrency limit every flow that writes the warehouse holds.

DuckDB has a single writer, so on it the limit has one slot and runs of different deployments
wait their turn in Prefect (visible in the UI) instead of in DuckDB's file lock; PostgreSQL takes
a few at once. `csp-pipeline ops apply` creates the limit (ops/operations.yaml). Where it does
not exist (a temporary server, the tests) a run writes without it, saying so in its log, unless
CSP_WRITE_LIMIT_STRICT is set, when the run fails instead.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from tasks.settings import Settings

MISSING = "must be created before acquiring slots"  # Prefect's message when the limit does not exist


@contextlib.contextmanager
def warehouse_writes(settings: Settings) -> Iterator[bool]:
    """Hold one slot of the write limit for the block; yields whether a slot is held."""
    from prefect import get_run_logger
    from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError
    from prefect.concurrency.sync import concurrency

    if not settings.write_limit:
        yield False
        return
    with contextlib.ExitStack() as stack:
        try:
            # strict=True so a missing limit is an error we can word; a lost lease renewal never kills a load
            stack.enter_context(concurrency(settings.write_limit, occupy=1, strict=True,
                                            raise_on_lease_renewal_failure=False))
            held = True
        except ConcurrencySlotAcquisitionError as exc:
            if settings.write_limit_strict or MISSING not in str(exc):
                raise
            get_run_logger().info("no concurrency limit %r on this Prefect server (`csp-pipeline ops apply` creates "
                                  "it): writing the warehouse without one", settings.write_limit)
            held = False
        yield held
