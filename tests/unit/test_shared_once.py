"""A value sent to workers once: pickled it is a path, unpickled it is the value, read once per process."""

from __future__ import annotations

import pickle

import pyarrow as pa

from tasks.shared_once import SharedOnce, read_shared


def test_a_shared_value_travels_as_its_path_and_is_read_once(tmp_path):
    geography = {"dim": pa.table({"lsoa_code": [f"E{i:08d}" for i in range(100_000)]}), "areas": {"lancashire": "E23000003"}}
    shared = SharedOnce(geography, tmp_path / "_shared")
    sent = pickle.dumps(shared)
    assert len(sent) < 500 < len(pickle.dumps(geography))
    read_shared.cache_clear()
    first, second = pickle.loads(sent), pickle.loads(sent)
    assert first is second  # one read per process, whatever the number of batches
    assert first["dim"].equals(geography["dim"]) and first["areas"] == geography["areas"]
    # the same value again is the same file, written once
    assert SharedOnce(geography, tmp_path / "_shared").path == shared.path
    assert len(list((tmp_path / "_shared").iterdir())) == 1
