"""Month batching of the monthly-file feeds: small files of one month travel together, a big one alone."""

from __future__ import annotations

import datetime as dt


def test_small_files_of_a_month_are_batched_and_big_ones_go_alone():
    from flows.monthly_feed import BATCH_BYTES, month_batches
    from tasks.feed import MonthFile
    from tasks.sources import SourceFile

    def file(force: str, month: int, size: int) -> MonthFile:
        return MonthFile(SourceFile(f"{force}-{month}", size, lambda: None), dt.date(2020, month, 1), force)

    files = [file("cumbria", 2, 10), file("metropolitan", 1, BATCH_BYTES), file("cumbria", 1, 10),
             file("city-of-london", 1, 5), file("city-of-london", 2, 5)]
    assert [[f.file.name for f in b] for b in month_batches(files)] == [
        ["city-of-london-1", "cumbria-1"], ["metropolitan-1"], ["city-of-london-2", "cumbria-2"]]
