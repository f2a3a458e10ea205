"""Find survey waves in a source and read one with the declared schema."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.csv_read import read_csv
from tasks.errors import SourceError
from tasks.sources import Source, SourceFile
from tasks.young_persons.schema import HEADER, RAW_SCHEMA

WAVE_FILE = re.compile(r"^ts_young_persons_survey_(?P<wave>\d{4}-\d{2})\.csv$")


@dataclass(frozen=True)
class WaveFile:
    """One wave's export and the wave in its name (2019-20)."""

    file: SourceFile
    wave: str


def wave_window(wave: str) -> tuple[dt.date, dt.date]:
    """The school year a wave's fieldwork falls in: 1 September to 31 August."""
    first = int(wave[:4])
    if int(wave[5:]) != (first + 1) % 100:
        raise SourceError(f"wave {wave} is not two consecutive years (like 2019-20)")
    return dt.date(first, 9, 1), dt.date(first + 1, 8, 31)


def find_waves(source: Source) -> list[WaveFile]:
    """Every wave file in the source, oldest first; two files of one wave are ambiguous."""
    found = []
    for f in source.list_files(WAVE_FILE):
        wave = WAVE_FILE.search(Path(f.name.split("!")[-1]).name).group("wave")
        wave_window(wave)
        found.append(WaveFile(f, wave))
    found.sort(key=lambda w: (w.wave, w.file.name))
    twice = [f"{a.file.name} and {b.file.name}" for a, b in zip(found, found[1:]) if a.wave == b.wave]
    if twice:
        raise SourceError(f"the source holds the same wave twice ({'; '.join(twice)}): pass one")
    return found


def read_wave(path: Path, source_name: str) -> pa.Table:
    """A landed wave -> Arrow (free text left unread), with `source_row` and units as a number where it is one."""
    table = read_csv(path, RAW_SCHEMA, source_name, header=HEADER)
    units = table["units_per_week"]
    numeric = pc.match_substring_regex(units, r"^[0-9]+(\.[0-9]+)?$")
    value = pc.if_else(numeric, units, pa.scalar(None, pa.string())).cast(pa.float64())
    return (table.append_column("source_row", pa.array(np.arange(1, table.num_rows + 1, dtype=np.int32)))
                 .append_column("units_value", value))
