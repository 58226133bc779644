"""A GOV.UK-shaped mirror on 127.0.0.1: Content API JSON plus asset files, with injectable faults.

Pages live at /api/content/<page path>; files at /media/<24-hex id>/<file name>, as on
assets.publishing.service.gov.uk. Faults are queued per request path and consumed in order.

Other publishers' shapes are served from `routes`: any JSON or bytes at any path, matched
on the whole request target first (query string included: ONS `/file?uri=...`, DfE
`/data-sets/<id>/csv?dataSetVersion=...`), then on the path alone.

Files and routes can carry validators like a real asset server (`file_validators`: ETag and
Last-Modified, 304 to a matching If-None-Match) and extra headers (`serve(..., headers=)`, e.g. a
precompressed body with `Content-Encoding: gzip`). The fault `drip:<seconds>` sends a response's
headers at once and its body in small pieces spread over that many seconds.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Mirror:
    pages: dict[str, dict] = field(default_factory=dict)        # page path -> content API JSON
    files: dict[str, bytes] = field(default_factory=dict)       # /media/... path -> bytes
    faults: dict[str, list[str]] = field(default_factory=dict)  # request path (or whole target, query included) -> queued fault names
    hits: list[str] = field(default_factory=list)
    not_modified: list[str] = field(default_factory=list)      # content API paths answered 304
    routes: dict[str, tuple[bytes, str]] = field(default_factory=dict)   # request target or path -> (body, content type)
    base: str = ""
    route_headers: dict[str, dict[str, str]] = field(default_factory=dict)  # request target or path -> extra headers
    file_validators: bool = False    # files and routes sent with ETag / Last-Modified; a matching If-None-Match gets 304
    downloads: list[str] = field(default_factory=list)   # request targets of files and routes sent with their body

    def publish(self, page_path: str, file_name: str, content: bytes, title: str | None = None,
                public_updated_at: str = "2026-01-23T09:30:00.000+00:00") -> str:
        """Make `file_name` the page's only attachment (as a weekly release replaces the last); return its URL."""
        media_id = hashlib.sha256(content + file_name.encode()).hexdigest()[:24]
        path = f"/media/{media_id}/{file_name}"
        self.files[path] = content
        self.pages[page_path] = {
            "base_path": page_path, "title": title or file_name, "public_updated_at": public_updated_at,
            "details": {"attachments": [{
                "url": self.base + path, "filename": file_name, "title": title or file_name,
                "content_type": "application/vnd.oasis.opendocument.spreadsheet", "file_size": len(content)}]},
        }
        return self.base + path

    def fault(self, path: str, *names: str) -> None:
        self.faults.setdefault(path, []).extend(names)

    # --- any shape, at any path ----------------------------------------------------------------

    def serve(self, target: str, content: bytes, content_type: str = "application/octet-stream",
              headers: dict[str, str] | None = None) -> str:
        """Serve `content` at `target` (a path, with its query string if the request carries one), with any extra
        response `headers` (sent as they are: `Content-Encoding: gzip` with gzip bytes); return its URL."""
        self.routes[target] = (content, content_type)
        if headers:
            self.route_headers[target] = headers
        return self.base + target

    def serve_json(self, target: str, data: object) -> str:
        return self.serve(target, json.dumps(data).encode(), "application/json")

    def asset(self, file_name: str, content: bytes) -> str:
        """A file under /media/<id>/<file name> (no page); return its URL."""
        media_id = hashlib.sha256(content + file_name.encode()).hexdigest()[:24]
        path = f"/media/{media_id}/{file_name}"
        self.files[path] = content
        return self.base + path

    def page(self, page_path: str, attachments: list[dict], public_updated_at: str = "2026-01-23T09:30:00.000+00:00",
             title: str | None = None, **extra) -> dict:
        """A Content API page with the given `details.attachments` (and any other top-level fields, e.g. links)."""
        self.pages[page_path] = {"base_path": page_path, "title": title or page_path.rsplit("/", 1)[-1],
                                 "public_updated_at": public_updated_at, "details": {"attachments": attachments}, **extra}
        return self.pages[page_path]


def _handler(mirror: Mirror):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output clean
            pass

        def _send(self, status: int, body: bytes, content_type: str = "application/octet-stream",
                  length: int | None = None, headers: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _deliver(self, body: bytes, content_type: str, fault: str | None, headers: dict | None = None) -> None:
            """A file or route: validators and 304 when `file_validators`; `drip:<seconds>` spreads the body out."""
            headers = dict(headers or {})
            if mirror.file_validators:
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                headers.update({"ETag": etag, "Last-Modified": "Fri, 23 Jan 2026 09:30:00 GMT"})
                if self.headers.get("If-None-Match") == etag:
                    mirror.not_modified.append(self.path)
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
            mirror.downloads.append(self.path)
            if fault and fault.startswith("drip:"):
                seconds, pieces = float(fault.split(":", 1)[1]), 50
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                step = max(1, -(-len(body) // pieces))
                try:
                    for i in range(0, len(body), step):
                        self.wfile.write(body[i:i + step])
                        self.wfile.flush()
                        time.sleep(seconds / pieces)
                except (BrokenPipeError, ConnectionResetError):   # the client gave up: as it should
                    pass
                return
            return self._send(200, body, content_type, headers=headers)

        def do_GET(self):
            path = self.path.split("?")[0]
            mirror.hits.append(path)
            queued = mirror.faults.get(self.path) if self.path in mirror.faults else mirror.faults.get(path)
            fault = queued.pop(0) if queued else None
            if fault and fault.startswith("status:"):
                return self._send(int(fault.split(":")[1]), b"fault")
            if fault == "timeout":
                time.sleep(3)
            if fault and fault.startswith("redirect:"):
                return self._send(302, b"", headers={"Location": fault.split(":", 1)[1]})
            route = mirror.routes.get(self.path) or mirror.routes.get(path)
            if route is not None:
                body, content_type = route
                if fault == "truncate":
                    self._send(200, body[: len(body) // 2], content_type, length=len(body))
                    self.close_connection = True
                    return
                return self._deliver(body, content_type, fault,
                                     mirror.route_headers.get(self.path) or mirror.route_headers.get(path))
            if path.startswith("/api/content/"):
                page = mirror.pages.get(path[len("/api/content"):])
                if page is None:
                    return self._send(404, b'{"error": "not found"}', "application/json")
                body = json.dumps(page).encode()
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'   # like GOV.UK's content API: conditional GETs
                if self.headers.get("If-None-Match") == etag:
                    mirror.not_modified.append(path)
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                if fault and fault.startswith("drip:"):
                    return self._deliver(body, "application/json", fault, {"ETag": etag})
                return self._send(200, body, "application/json", headers={"ETag": etag})
            body = mirror.files.get(path)
            if body is None:
                return self._send(404, b"not found")
            if fault == "truncate":   # promise the whole file, send half, drop the connection
                self._send(200, body[: len(body) // 2], length=len(body))
                self.close_connection = True
                return
            return self._deliver(body, "application/octet-stream", fault)

    return Handler


class MirrorServer:
    def __init__(self) -> None:
        self.mirror = Mirror()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.mirror))
        self.mirror.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Mirror:
        self.thread.start()
        return self.mirror

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
