"""Batching in the one runner: a batching feed's small files of one month travel together, a big one
alone; every other feed loads a file at a time."""

from __future__ import annotations

import datetime as dt


def unit(force: str, month: int, size: int):
    from tasks.feed import Unit
    from tasks.sources import SourceFile

    return Unit(SourceFile(f"{force}-{month}", size, lambda: None), f"2020-{month:02d}", f"force={force}",
                (force, dt.date(2020, month, 1)))


def test_small_files_of_a_month_are_batched_and_big_ones_go_alone():
    from flows.runner import batches
    from tasks.police_uk.feed import BATCH_BYTES, STREET

    files = [unit("cumbria", 2, 10), unit("metropolitan", 1, BATCH_BYTES), unit("cumbria", 1, 10),
             unit("city-of-london", 1, 5), unit("city-of-london", 2, 5)]
    assert [[f.file.name for f in b] for b in batches(STREET, files)] == [
        ["city-of-london-1", "cumbria-1"], ["metropolitan-1"], ["city-of-london-2", "cumbria-2"]]


def test_a_feed_that_does_not_batch_loads_a_file_at_a_time_in_the_order_found():
    from flows.runner import batches
    from tasks.recorded_crime.feed import EXTRACT

    files = [unit("lancashire", 2, 10), unit("lancashire", 1, 10)]
    assert [[f.file.name for f in b] for b in batches(EXTRACT, files)] == [["lancashire-2"], ["lancashire-1"]]
