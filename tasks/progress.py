"""Progress of a long ingest: files done, rows per second and time left.

On a terminal it is a live bar on stderr (rich, which Prefect already uses); under a Prefect
worker or in CI, where a bar is noise, it is a log line at most every 15 seconds and at the end.
Inside a flow run it is also a progress artifact, `<feed>-progress`, that the Prefect UI shows
filling up, updated at each whole percent. Time left is estimated from bytes, since the files of
one archive differ in size 100-fold.
"""

from __future__ import annotations

import sys
import time

LOG_EVERY_SECONDS = 15.0
# Each artifact update is a blocking call to the Prefect API (measured: about 0.15 s on a temporary
# server); once per whole percent cost the national archive's ingest 25%, so at most this often.
ARTIFACT_EVERY_SECONDS = 5.0


def describe(files_done: int, files: int, rows: int, seconds: float, bytes_done: int, total_bytes: int) -> str:
    """'files 12/129, 302,638 rows, 5,400 rows/s, about 1 min 20 s left'."""
    rate = rows / seconds if seconds > 0 else 0.0
    text = f"files {files_done}/{files}, {rows:,} rows, {rate:,.0f} rows/s"
    if 0 < bytes_done < total_bytes:
        left = seconds * (total_bytes - bytes_done) / bytes_done
        text += f", about {int(left // 60)} min {int(left % 60)} s left"
    return text


class IngestProgress:
    """Call advance() after each file; close() at the end."""

    def __init__(self, feed: str, files: int, total_bytes: int, logger, live: bool | None = None,
                 artifact_every: float = ARTIFACT_EVERY_SECONDS):
        self.feed, self.files, self.total_bytes, self.logger = feed, files, max(total_bytes, 1), logger
        self.done = self.rows = self.bytes_done = 0
        self.started = self.logged = time.monotonic()
        self.bar = None
        if live if live is not None else sys.stderr.isatty():
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[detail]}"),
                                TimeRemainingColumn(), transient=True)
            self.task = self.bar.add_task(feed, total=self.total_bytes, detail="")
            self.bar.start()
        self.artifact, self.shown = progress_artifact(feed, files), 0
        self.artifact_every, self.artifact_moved = artifact_every, self.started

    def advance(self, rows: int, size: int) -> None:
        """One more file done, with its rows and bytes."""
        self.done, self.rows, self.bytes_done = self.done + 1, self.rows + rows, self.bytes_done + size
        now = time.monotonic()
        text = describe(self.done, self.files, self.rows, now - self.started, self.bytes_done, self.total_bytes)
        if self.bar is not None:
            self.bar.update(self.task, completed=self.bytes_done, detail=text)
        elif now - self.logged >= LOG_EVERY_SECONDS or self.done == self.files:
            self.logger.info("%s: %s", self.feed, text)
            self.logged = now
        self.show(int(100 * self.bytes_done / self.total_bytes) if self.done < self.files else 100, text, now)

    def show(self, percent: int, text: str, now: float) -> None:
        """Move the run's progress artifact on to a new whole percent, at most every artifact_every
        seconds (a national archive has 1,548 files), and always to 100."""
        if self.artifact is None or percent <= self.shown or (percent < 100 and now - self.artifact_moved < self.artifact_every):
            return
        self.artifact_moved = now
        from prefect.artifacts import update_progress_artifact

        update_progress_artifact(self.artifact, progress=min(percent, 100), description=f"{self.feed}: {text}")
        self.shown = percent

    def close(self) -> None:
        """Stop the live bar; the artifact shows 100 when every file was done (none to do included)."""
        if self.bar is not None:
            self.bar.stop()
        if self.done == self.files:
            self.show(100, f"files {self.done}/{self.files}, {self.rows:,} rows", time.monotonic())


def progress_artifact(feed: str, files: int):
    """A progress artifact at 0 for the running flow (its id), or None outside a flow run."""
    from prefect.context import FlowRunContext

    if FlowRunContext.get() is None:
        return None
    from prefect.artifacts import create_progress_artifact

    return create_progress_artifact(progress=0.0, key=f"{feed.replace('_', '-')}-progress",
                                    description=f"{feed}: {files} file(s) to load")
