"""Read a landed CSV into Arrow with a declared schema, after checking its header exactly."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from tasks.errors import FileRejected

BLOCK_SIZE = 16 << 20


def read_header(path: Path) -> list[str]:
    """The header row's column names (a UTF-8 BOM and CRLF are accepted)."""
    with open(path, "rb") as handle:
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


def read_csv(path: Path, schema: pa.Schema, source: str, header: list[str] | None = None) -> pa.Table:
    """Bytes -> Arrow table with the declared schema; empty fields are nulls.

    `header` is the contract's full header when the schema reads only some of its columns
    (personal data and free text are never read out of the landed file).
    """
    check_header(read_header(path), header or schema.names, source)
    try:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=BLOCK_SIZE),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types=schema,
                include_columns=schema.names,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        ).select(schema.names)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise FileRejected(source, f"unreadable as the declared schema: {exc}") from exc
