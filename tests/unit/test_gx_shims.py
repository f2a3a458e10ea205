"""The GX shims still do what they say on the GX installed: an upgrade that moves what they
patch fails here, by name, rather than slowing validation down unnoticed."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tasks import gx_shims
from tasks.validate import validate_table


def test_validation_takes_no_batch_fingerprint(monkeypatch):
    from great_expectations.execution_engine import pandas_execution_engine as pandas_engine

    taken = []
    monkeypatch.setattr(pandas_engine, "hash_pandas_dataframe", lambda df: taken.append(len(df)) or "x")
    table = pa.table({"Crime ID": ["a" * 64] * 3, "Month": ["2020-03"] * 3})
    validate_table(table, "police_uk_street", "raw", {"file_month": ["2020-03"]})
    assert taken == []
    # and the shim is what stops it: with GX's own threshold the fingerprint is taken
    monkeypatch.setattr(pandas_engine, "HASH_THRESHOLD", 1e9)
    validate_table(table, "police_uk_street", "raw", {"file_month": ["2020-03"]})
    assert taken


def test_a_gx_without_what_a_shim_patches_is_refused_by_name(monkeypatch):
    from great_expectations.execution_engine import pandas_execution_engine as pandas_engine

    monkeypatch.delattr(pandas_engine, "HASH_THRESHOLD")
    with pytest.raises(gx_shims.GXChanged, match="HASH_THRESHOLD"):
        gx_shims.apply()


def test_another_gx_release_line_is_refused_until_the_shims_are_checked(monkeypatch):
    import great_expectations as gx

    monkeypatch.setattr(gx, "__version__", "1.30.0")
    with pytest.raises(gx_shims.GXChanged, match="1.30.0"):
        gx_shims.apply()
