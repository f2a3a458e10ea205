"""Read a landed CSV into Arrow with a declared schema, after checking its header exactly.

File-level faults (the header, the encoding, a truncated last row) reject the file whole. A row
with the wrong number of fields or a number that does not parse is a row-level fault: the file's
other rows load, and the row is returned as a fault with its data row number, the rule it broke
(`malformed_row`, `unparseable_number`) and its text, for the feed to quarantine.
"""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from tasks.errors import FileRejected

BLOCK_SIZE = 16 << 20


def read_header(path: Path) -> list[str]:
    """The header row's column names (a UTF-8 BOM and CRLF are accepted; a .gz file is read through gzip)."""
    opener = gzip.open if str(path).lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        first = handle.readline(1 << 16)
    text = first.decode("utf-8-sig", errors="replace").rstrip("\r\n")
    return next(csv.reader([text]), [])


def check_header(actual: list[str], expected: list[str], source: str) -> None:
    """Reject the file unless its header is exactly the expected one, naming what differs."""
    if actual == expected:
        return
    missing = [c for c in expected if c not in actual]
    unexpected = [c for c in actual if c not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing columns {missing}")
        if unexpected:
            parts.append(f"unexpected columns {unexpected}")
        raise FileRejected(source, "header does not match the contract: " + "; ".join(parts))
    raise FileRejected(source, f"header columns are out of order: got {actual}, expected {expected}")


FAULTS_SCHEMA = pa.schema([("source_row", pa.int32()), ("rule", pa.string()), ("raw_text", pa.string())])


def read_csv(path: Path, schema: pa.Schema, source: str, header: list[str] | None = None) -> pa.Table:
    """Bytes -> Arrow table with the declared schema, rejected whole for any fault, row-level ones
    included (feeds that quarantine them call read_csv_rows)."""
    table, faults = read_csv_rows(path, schema, source, header)
    if faults.num_rows:
        listed = ", ".join(f"data row {n} ({rule})" for n, rule in zip(faults["source_row"].to_pylist()[:5],
                                                                      faults["rule"].to_pylist()[:5]))
        raise FileRejected(source, f"unreadable as the declared schema: {faults.num_rows} bad rows: {listed}")
    return table.drop_columns(["source_row"])


def read_csv_rows(path: Path, schema: pa.Schema, source: str, header: list[str] | None = None) -> tuple[pa.Table, pa.Table]:
    """Bytes -> (rows with the declared schema and `source_row`, their 1-based data row number;
    the rows at fault, FAULTS_SCHEMA). Empty fields are nulls.

    `header` is the contract's full header when the schema reads only some of its columns
    (personal data and free text are never read out of the landed file).
    """
    check_header(read_header(path), header or schema.names, source)
    malformed: list[tuple[str, int]] = []  # text, fields found

    def hold(row) -> str:
        malformed.append((row.text, row.actual_columns))
        return "skip"

    # numbers are read as text and parsed below, so one bad value is one bad row, not a bad file
    numeric = [f.name for f in schema if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)]
    as_text = pa.schema([pa.field(f.name, pa.string()) if f.name in numeric else f for f in schema])
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=BLOCK_SIZE),
            parse_options=pacsv.ParseOptions(newlines_in_values=False, invalid_row_handler=hold),
            convert_options=pacsv.ConvertOptions(
                column_types=as_text,
                include_columns=schema.names,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        ).select(schema.names)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise FileRejected(source, f"unreadable as the declared schema: {exc}") from exc
    numbers = malformed_row_numbers(path, malformed, len(header or schema.names), source) if malformed else []
    keep = np.ones(table.num_rows + len(numbers), dtype=bool)
    keep[np.asarray(numbers, dtype=np.int64) - 1] = False
    table = table.append_column("source_row", pa.array(np.flatnonzero(keep).astype(np.int32) + 1))
    faults = [(n, "malformed_row", text) for n, text in zip(numbers, line_texts(path, numbers))] if numbers else []
    table, unparsed = parse_numbers(table, schema, numeric)
    if unparsed:
        faults += [(n, "unparseable_number", text) for n, text in zip(unparsed, line_texts(path, unparsed))]
    faults.sort()
    return table, pa.Table.from_pylist([dict(zip(FAULTS_SCHEMA.names, f)) for f in faults], schema=FAULTS_SCHEMA)


NUMBER_TEXT = {"integer": r"^[-+]?[0-9]+$", "floating": r"^[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?$"}


def parse_numbers(table: pa.Table, schema: pa.Schema, numeric: list[str]) -> tuple[pa.Table, list[int]]:
    """The numeric columns cast to their declared types; rows whose value does not parse (or does
    not fit the type) are taken out, their data row numbers returned."""
    bad = np.zeros(table.num_rows, dtype=bool)
    cast = {}
    for name in numeric:
        try:
            cast[name] = pc.cast(table[name], schema.field(name).type)
        except pa.ArrowInvalid:  # rare: find the rows that do not parse, or do not fit the type
            bad |= ~number_parses(table[name], schema.field(name).type)
    if bad.any():
        keep = pa.array(~bad)
        unparsed = table["source_row"].filter(pa.array(bad)).to_pylist()
        table = table.filter(keep)
        cast = {name: pc.cast(table[name], schema.field(name).type) for name in numeric}
    else:
        unparsed = []
    for name, column in cast.items():
        table = table.set_column(table.schema.get_field_index(name), name, column)
    return table, unparsed


def number_parses(column: pa.ChunkedArray, target: pa.DataType) -> np.ndarray:
    """Per value: null, or text that casts to the numeric type without overflow."""
    kind = "integer" if pa.types.is_integer(target) else "floating"
    ok = pc.fill_null(pc.match_substring_regex(column, NUMBER_TEXT[kind]), True).to_numpy(zero_copy_only=False)
    if kind == "integer":
        wide = pc.cast(pc.if_else(pa.array(ok), column, pa.scalar(None, pa.string())), pa.float64())
        info = np.iinfo(target.to_pandas_dtype())
        inside = pc.and_(pc.greater_equal(wide, info.min), pc.less_equal(wide, info.max))
        ok &= pc.fill_null(inside, True).to_numpy(zero_copy_only=False)
    return ok


def data_lines(path: Path):
    """(data row number, line text) for every non-empty line after the header, as pyarrow counts rows."""
    with open(path, "rb") as handle:
        handle.readline()
        number = 0
        for raw in handle:
            text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if text:
                number += 1
                yield number, text


def malformed_row_numbers(path: Path, malformed: list[tuple[str, int]], expected: int, source: str) -> list[int]:
    """The data row numbers of the malformed rows pyarrow skipped (it reports their text, not
    where they are). A last row short of fields is a truncated file, rejected whole."""
    wanted = Counter(text.rstrip("\r") for text, _ in malformed)
    short = {text.rstrip("\r") for text, fields in malformed if fields < expected}
    found, last, last_text = [], 0, ""
    for number, text in data_lines(path):
        last, last_text = number, text
        if wanted.get(text):
            wanted[text] -= 1
            found.append(number)
    if found and found[-1] == last and last_text in short:
        raise FileRejected(source, f"truncated: its last row (data row {last}) ends before its last field")
    if len(found) != len(malformed):  # numbering the rows without them would misnumber every later row
        raise FileRejected(source, f"{len(malformed)} malformed rows, {len(malformed) - len(found)} of them not "
                                   "found line by line: the file's rows cannot be numbered")
    return found


def line_texts(path: Path, numbers: list[int]) -> list[str]:
    """The text of each given data row (the file is scanned only when there are faults)."""
    if not numbers:
        return []
    wanted = set(numbers)
    texts = {n: t for n, t in data_lines(path) if n in wanted}
    return [texts[n] for n in numbers]
