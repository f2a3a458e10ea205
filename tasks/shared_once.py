"""A value every worker process needs (a feed's geography, its classification) sent to it once.

On a distributed task runner each submitted task carries its arguments; the geography of 43
forces travelled with every batch (Dask warned of it). Wrapped in `SharedOnce`, it pickles as the
path of a file written once beside the landing zone, which workers share with the flow (they
write the lake there too), and each process reads that file once.
"""

from __future__ import annotations

import hashlib
import pickle
from functools import lru_cache
from pathlib import Path


class SharedOnce:
    """A value written to a file once; pickled, it is only the file's path."""

    def __init__(self, value, folder: Path):
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = str(folder / f"shared-{hashlib.sha256(data).hexdigest()[:16]}.pkl")
        if not Path(self.path).exists():
            tmp = Path(f"{self.path}.tmp")
            tmp.write_bytes(data)
            tmp.replace(self.path)  # whole or absent: a reader never sees half a file

    def __reduce__(self):
        return read_shared, (self.path,)


@lru_cache(maxsize=8)
def read_shared(path: str):
    """The value behind a SharedOnce path, read once per process."""
    return pickle.loads(Path(path).read_bytes())
