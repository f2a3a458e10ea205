"""The data.police.uk HTTP client against a local HTTP server: archives, the months list,
retries on 5xx and short bodies, a clear error on 404, and a timeout."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tasks.errors import SourceError
from tasks.police_uk.fetch import PoliceUkClient


def archive_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("2020-03/2020-03-lancashire-street.csv", "Crime ID,Month\n")
    return buf.getvalue()


class Server:
    """A local data.police.uk stand-in that answers from a script of (status, body, delay) per path."""

    def __init__(self):
        self.script: dict[str, list] = {}
        self.hits: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits.append(self.path)
                steps = outer.script.get(self.path) or [(404, b"", 0)]
                status, body, delay = steps.pop(0) if len(steps) > 1 else steps[0]
                time.sleep(delay)
                self.send_response(200 if status == "short" else status)
                declared = len(body) + (100 if status == "short" else 0)  # "short": the connection drops early
                self.send_header("Content-Length", str(declared))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def client(server, **kw) -> PoliceUkClient:
    return PoliceUkClient(server.url, timeout=kw.pop("timeout", 5), retries=kw.pop("retries", 2), backoff=0.01)


def test_downloads_a_month_archive_whole(server, tmp_path):
    server.script["/data/archive/2020-03.zip"] = [(200, archive_bytes(), 0)]
    path = client(server).download_archive("2020-03", tmp_path)
    assert path.name == "2020-03.zip" and zipfile.ZipFile(path).namelist() == ["2020-03/2020-03-lancashire-street.csv"]
    assert not list(tmp_path.glob("*.part"))


def test_retries_server_errors_then_succeeds(server, tmp_path):
    server.script["/data/archive/latest.zip"] = [(503, b"busy", 0), (502, b"", 0), (200, archive_bytes(), 0)]
    path = client(server).download_archive("latest", tmp_path)
    assert zipfile.is_zipfile(path)
    assert server.hits.count("/data/archive/latest.zip") == 3


def test_gives_up_after_bounded_retries(server, tmp_path):
    server.script["/data/archive/2020-03.zip"] = [(500, b"", 0)]
    with pytest.raises(SourceError, match="gave up after 3 attempts"):
        client(server).download_archive("2020-03", tmp_path)
    assert len(server.hits) == 3 and not list(tmp_path.iterdir())


def test_a_missing_month_is_a_clear_error_without_retries(server, tmp_path):
    with pytest.raises(SourceError, match="not published \\(HTTP 404\\)"):
        client(server).download_archive("1999-01", tmp_path)
    assert len(server.hits) == 1


def test_a_body_that_is_not_a_zip_is_rejected(server, tmp_path):
    server.script["/data/archive/2020-03.zip"] = [(200, b"<html>maintenance</html>", 0)]
    with pytest.raises(SourceError, match="did not return a readable zip archive"):
        client(server).download_archive("2020-03", tmp_path)
    assert not list(tmp_path.iterdir())


def test_a_stalled_server_times_out_and_is_retried(server, tmp_path):
    server.script["/data/archive/2020-03.zip"] = [(200, archive_bytes(), 2), (200, archive_bytes(), 0)]
    path = client(server, timeout=0.5).download_archive("2020-03", tmp_path)
    assert zipfile.is_zipfile(path) and len(server.hits) == 2


def test_a_dropped_connection_is_retried_and_never_leaves_a_partial_file(server, tmp_path):
    server.script["/data/archive/2020-03.zip"] = [("short", archive_bytes()[:50], 0), (200, archive_bytes(), 0)]
    path = client(server).download_archive("2020-03", tmp_path)
    assert zipfile.is_zipfile(path) and len(server.hits) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["2020-03.zip"]


def test_lists_published_months(server):
    server.script["/api/crimes-street-dates"] = [(200, b'[{"date": "2020-03", "stop-and-search": ["lancashire"]}]', 0)]
    assert client(server).available_months()[0]["date"] == "2020-03"
