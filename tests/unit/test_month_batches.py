"""Batching in the one runner: a batching feed's small files of one month travel together, a big one
alone; every other feed loads a file at a time."""

from __future__ import annotations

import datetime as dt


def unit(force: str, month: int, size: int, year: int = 2020):
    from tasks.feed import Unit
    from tasks.sources import SourceFile

    return Unit(SourceFile(f"{force}-{month}", size, lambda: None), f"{year}-{month:02d}", f"force={force}",
                (force, dt.date(year, month, 1)))


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


def test_the_national_archive_is_at_most_250_task_runs():
    """43 forces x 36 months (1,548 files, 17,976,060 rows, 3.59 GB as measured on the real-shaped
    archive of bench/national.py), each force's files sized by its population: a batch task and a
    publish task per batch, plus finding the files, preparing the warehouse, recovery and the marts."""
    from flows.runner import batches
    from synth.police_uk_national import FORCE_POPULATION, rows_per_file
    from tasks.police_uk.feed import STREET

    months, rows, size = 36, 17_976_060, 3.59e9
    volumes = rows_per_file(rows, list(FORCE_POPULATION), months)
    files = [unit(force, 1 + m % 12, int(volumes[force][m] * size / rows), 2017 + m // 12)
             for force in FORCE_POPULATION for m in range(months)]
    assert len(files) == 1548
    task_runs = 2 * len(batches(STREET, files)) + 4
    assert 36 * 2 * 2 < task_runs <= 250, task_runs  # more than two batches a month: memory stays bounded


def test_a_batch_is_named_for_its_feed_period_force_and_files():
    from flows.runner import batch_name
    from tasks.feed import Unit
    from tasks.police_uk.feed import STREET
    from tasks.sources import SourceFile
    from tasks.young_persons.feed import WAVES

    assert batch_name({"contract": STREET, "units": [unit("cumbria", 3, 10), unit("metropolitan", 3, 10)]}) == \
        "police_uk_street 2020-03 2 forces (2 files)"
    wave = Unit(SourceFile("drop/ts_young_persons_survey_2019-20.csv", 10, lambda: None), "2019-20", "wave=2019-20",
                ("2019-20",))
    assert wave.force is None
    assert batch_name({"contract": WAVES, "units": [wave]}) == "trading_standards 2019-20 (1 file)"
