"""The ingest progress line: files done, rows/s and time left estimated from bytes; logged at most
every 15 s (and at the end) when there is no terminal."""

from __future__ import annotations

import itertools
import logging
from types import SimpleNamespace

from tasks import progress
from tasks.progress import IngestProgress, describe


def test_the_line_says_files_rows_rate_and_time_left():
    assert describe(12, 129, 300_000, 60.0, 25, 100) == "files 12/129, 300,000 rows, 5,000 rows/s, about 3 min 0 s left"
    assert describe(129, 129, 300_000, 60.0, 100, 100) == "files 129/129, 300,000 rows, 5,000 rows/s"


def test_without_a_terminal_it_logs_now_and_then_and_at_the_end(caplog, monkeypatch):
    clock = itertools.chain([0.0, 1.0, 2.0, 20.0, 21.0], itertools.repeat(21.0))
    # the module's own clock, not the time module's: Prefect reads that one too
    monkeypatch.setattr(progress, "time", SimpleNamespace(monotonic=lambda: next(clock)))
    logger = logging.getLogger("test-progress")
    with caplog.at_level(logging.INFO, logger="test-progress"):
        bar = IngestProgress("police_uk_street", 4, 400, logger, live=False)
        for _ in range(4):
            bar.advance(1000, 100)
        bar.close()
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["police_uk_street: files 3/4, 3,000 rows, 150 rows/s, about 0 min 6 s left",
                     "police_uk_street: files 4/4, 4,000 rows, 190 rows/s"]
