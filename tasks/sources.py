"""Where source files come from: a folder (any depth), one file, or a zip archive, behind one protocol.

The HTTP client for data.police.uk downloads an archive and hands it to `ZipSource`, so flows
run the same on fixtures as on real downloads.
"""

from __future__ import annotations

import re
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Iterator, Protocol

from tasks.errors import SourceError


@dataclass(frozen=True)
class SourceFile:
    """One file inside a source: its name (path or archive member), a way to open its bytes, and a
    signature that changes when its content may have (for incremental runs, without reading it)."""

    name: str
    size: int
    opener: Callable[[], IO[bytes]]
    signature: str = ""

    @contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        """Open the file's bytes for reading."""
        handle = self.opener()
        try:
            yield handle
        finally:
            handle.close()


class Source(Protocol):
    """Anything that lists files whose base name matches a pattern."""

    def list_files(self, pattern: re.Pattern[str]) -> list[SourceFile]: ...


class DirectorySource:
    """Files on disk: a folder searched at any depth, or one file."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def list_files(self, pattern: re.Pattern[str]) -> list[SourceFile]:
        """Matching files, sorted by path."""
        if self.path.is_file():
            candidates = [self.path]
        elif self.path.is_dir():
            candidates = sorted(p for p in self.path.rglob("*") if p.is_file())
        else:
            raise SourceError(f"source not found: {self.path}")
        return [local_file(p) for p in candidates if pattern.search(p.name)]


# CSV compresses 5-20x (data.police.uk archives about 8x); a member claiming far more is a zip bomb.
MAX_COMPRESSION_RATIO = 200


def check_member(archive: Path, member: zipfile.ZipInfo) -> None:
    """Refuse a member whose name climbs out of the archive or whose size claims a zip bomb.

    Members are only ever read as streams and landed under their hash, never extracted by name,
    but an archive built like this is not one a publisher sent: nothing in it is trusted.
    """
    parts = Path(member.filename.replace("\\", "/")).parts
    if member.filename.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
        raise SourceError(f"{archive}: member {member.filename!r} climbs out of the archive's folder; archive refused")
    if member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
        ratio = member.file_size / max(member.compress_size, 1)
        raise SourceError(f"{archive}: member {member.filename!r} expands {ratio:,.0f}x ({member.file_size:,} bytes), "
                          f"over the {MAX_COMPRESSION_RATIO}x limit for a zip bomb; archive refused")


class ZipSource:
    """Members of a zip archive, such as data.police.uk's monthly archive (names and sizes checked first)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            with zipfile.ZipFile(self.path) as archive:
                self.members = [m for m in archive.infolist() if not m.is_dir()]
            for member in self.members:
                check_member(self.path, member)
        except FileNotFoundError as exc:
            raise SourceError(f"source not found: {self.path}") from exc
        except (zipfile.BadZipFile, EOFError) as exc:
            raise SourceError(
                f"{self.path} is not a readable zip archive (truncated or corrupt): {exc}"
            ) from exc

    def _opener(self, member: zipfile.ZipInfo) -> Callable[[], IO[bytes]]:
        def open_member() -> IO[bytes]:
            name = f"{self.path}!{member.filename}"
            archive = zipfile.ZipFile(self.path)
            try:
                return _MemberStream(archive, archive.open(member), name)
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                archive.close()
                raise SourceError(f"{name} is truncated or corrupt: {exc}") from exc

        return open_member

    def list_files(self, pattern: re.Pattern[str]) -> list[SourceFile]:
        """Matching members, sorted by name."""
        return [
            # The member's name, size and CRC-32 (from the archive's directory, nothing decompressed):
            # the same month in next month's archive has the same signature.
            SourceFile(f"{self.path}!{m.filename}", m.file_size, self._opener(m), f"zip:{m.filename}:{m.file_size}:{m.CRC:08x}")
            for m in sorted(self.members, key=lambda m: m.filename)
            if pattern.search(Path(m.filename).name)
        ]


class _MemberStream:
    """A zip member stream that closes its archive and turns CRC or truncation errors into SourceError."""

    def __init__(self, archive: zipfile.ZipFile, stream: IO[bytes], name: str):
        self.archive, self.stream, self.name = archive, stream, name

    def read(self, size: int = -1) -> bytes:
        try:
            return self.stream.read(size)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise SourceError(f"{self.name} is truncated or corrupt: {exc}") from exc

    def close(self) -> None:
        self.stream.close()
        self.archive.close()


def local_file(path: str | Path) -> SourceFile:
    """One file on disk as a SourceFile."""
    path = Path(path)
    stat = path.stat()
    return SourceFile(str(path), stat.st_size, lambda: open(path, "rb"),
                      f"file:{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}")


def open_source(path: str | Path) -> Source:
    """A folder or plain file -> DirectorySource; a .zip -> ZipSource."""
    path = Path(path)
    if path.suffix.lower() == ".zip":
        return ZipSource(path)
    return DirectorySource(path)
