"""A local HTTP server for fetch tests: files served with ETag, Last-Modified and Range as a
publisher's CDN serves them, and failures on demand (a cut connection, 5xx, Range ignored)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Served:
    """One path's answer: its body and type, and the failures to act out."""

    body: bytes
    content_type: str = "application/octet-stream"
    modified: float = 1_700_000_000.0  # Last-Modified, as a timestamp
    ranges: bool = True  # honour Range (206); False answers 200 with the whole body, as some servers do
    cut_after: list[int] = field(default_factory=list)  # per request, in turn: send this many bytes then drop
    status: int | None = None  # answer this status always (404, 500...)
    bad_ranges: int = 0  # this many ranged requests answered 206 from byte 0, not where asked (a broken cache)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


class FileServer:
    """ThreadingHTTPServer in a thread; `files` maps a path to what it serves; `hits` logs (path, headers)."""

    def __init__(self):
        self.files: dict[str, Served] = {}
        self.hits: list[tuple[str, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                outer.hits.append((self.path, dict(self.headers)))
                served = outer.files.get(self.path)
                if served is None or served.status:
                    self.send_response(served.status if served else 404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                last_modified = formatdate(served.modified, usegmt=True)
                if self.headers.get("If-None-Match") == served.etag or (
                        not self.headers.get("If-None-Match") and self.headers.get("If-Modified-Since") == last_modified):
                    self.send_response(304)
                    self.send_header("ETag", served.etag)
                    self.end_headers()
                    return
                body, start = served.body, 0
                wanted = self.headers.get("Range")
                if_range = self.headers.get("If-Range")
                if wanted and served.ranges and if_range in (None, served.etag, last_modified):
                    start = int(wanted.removeprefix("bytes=").split("-")[0])
                    if served.bad_ranges:
                        served.bad_ranges -= 1
                        start = 0
                    if start >= len(body):
                        self.send_response(416)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Type", served.content_type)
                self.send_header("Content-Length", str(len(body) - start))
                self.send_header("ETag", served.etag)
                self.send_header("Last-Modified", last_modified)
                self.send_header("Accept-Ranges", "bytes" if served.ranges else "none")
                self.end_headers()
                chunk = body[start:]
                if served.cut_after:
                    chunk = chunk[:served.cut_after.pop(0)]
                    self.close_connection = True
                try:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def requests_for(self, path: str) -> list[dict]:
        """The headers of every request for a path, in order."""
        return [headers for hit, headers in self.hits if hit == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
