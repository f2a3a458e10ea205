"""SQL takes values only as bound parameters and identifiers only from code: a partition value that
looks like SQL is stored as a value, and a name that is not a plain identifier is refused."""

from __future__ import annotations

import pyarrow as pa
import pytest
import sqlalchemy as sa

from tasks.load_log import FileOutcome
from tasks.publish import PartitionLoad, publish
from warehouse.engine import ensure_schema, open_engine
from warehouse.roles import identifier

HOSTILE = "lancashire'; drop table etl_load_log; --"


def test_a_partition_value_that_looks_like_sql_is_only_a_value(tmp_path):
    engine = open_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    ensure_schema(engine)
    rows = pa.table({"feed": [HOSTILE], "source_row": [1], "record": ["{}"], "rule": ["x"],
                     "load_id": [1]})
    columns = rows.column_names
    outcome = FileOutcome("r", HOSTILE, None, f"feed={HOSTILE}", "f.csv", rows_in=1, rows_curated=0, rows_quarantined=1)
    publish(engine, [PartitionLoad("quarantine_reference", columns, 1, {"feed": HOSTILE}, arrow=rows)], [outcome])
    with engine.connect() as conn:
        assert conn.execute(sa.text("select feed from quarantine_reference")).scalars().all() == [HOSTILE]
        assert conn.execute(sa.text("select feed from etl_load_log")).scalars().all() == [HOSTILE]


@pytest.mark.parametrize("name", ["fact; drop table x", 'a"b', "Fact", "", "x" * 64, "1abc"])
def test_a_name_that_is_not_a_plain_identifier_is_refused(name):
    with pytest.raises(ValueError, match="not a plain identifier"):
        identifier(name)
    assert identifier("csp_analyst") == '"csp_analyst"'
