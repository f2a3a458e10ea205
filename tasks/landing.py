"""Landing: an immutable copy of every source file, named by its sha256, with a manifest row."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from tasks.faults import crash_point
from tasks.lake import private_name
from tasks.sources import SourceFile

CHUNK = 1 << 20


@dataclass(frozen=True)
class LandedFile:
    """A source file copied into landing: where it is, its hash and what it claims to hold."""

    feed: str
    period: str
    source_name: str
    path: Path
    sha256: str
    size: int


def land(source: SourceFile, feed: str, period: str, landing_dir: Path, run_id: str) -> LandedFile:
    """Copy the file into landing/<feed>/ while hashing it; identical content is stored once."""
    folder = Path(landing_dir) / feed
    folder.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    suffix = Path(source.name.split("!")[-1]).suffix
    tmp = folder / private_name("landing", ".part")
    try:
        with open(tmp, "xb") as out, source.open() as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
                crash_point("landing.copy")
        sha = digest.hexdigest()
        final = folder / f"{sha}{suffix}"
        if final.exists():
            os.unlink(tmp)
        else:
            os.replace(tmp, final)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    landed = LandedFile(feed, period, source.name, final, sha, size)
    _append_manifest(Path(landing_dir), landed, run_id, source.signature)
    return landed


def _append_manifest(landing_dir: Path, landed: LandedFile, run_id: str, signature: str = "") -> None:
    """One JSON line per landing: feed, period, source, size, hash, signature, when and by which run."""
    row = asdict(landed) | {
        "path": str(landed.path),
        "signature": signature,
        "fetched_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "run_id": run_id,
    }
    with open(landing_dir / "manifest.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")


def read_manifest(landing_dir: Path) -> list[dict]:
    """Every manifest row, oldest first."""
    path = Path(landing_dir) / "manifest.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def known_signatures(landing_dir: Path, feed: str) -> dict[str, str]:
    """Source signature -> sha256 of every file the feed has landed (the newest landing wins)."""
    return {row["signature"]: row["sha256"] for row in read_manifest(landing_dir)
            if row["feed"] == feed and row.get("signature")}
