"""A small HTTP server on 127.0.0.1 for download tests: Range support and misbehaviours on demand."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    data: bytes = b""
    status: int = 200
    ignore_range: bool = False
    cut_after: int | None = None      # first request: send this many body bytes, then drop the connection
    chunk_delay: float = 0.0          # seconds between 4 KiB chunks
    stall: float = 0.0                # sleep after the headers, before any body byte
    hold_after: int | None = None     # body bytes to send before waiting for `gate` (cancel tests)
    gate: threading.Event | None = None
    redirect_to: str | None = None
    etag: str | None = '"v1"'
    content_type: str | None = "application/octet-stream"
    no_length: bool = False           # no Content-Length: the body ends when the connection closes
    endless: bool = False             # after the body, keep sending zeros until the client goes away
    requests: list[dict] = field(default_factory=list)   # per request: headers + bytes sent


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                route = routes.get(self.path)
                record = {"range": self.headers.get("Range"), "if_range": self.headers.get("If-Range"), "sent": 0}
                if route is None:
                    self.send_error(404)
                    return
                route.requests.append(record)
                if route.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", route.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if route.status != 200:
                    self.send_error(route.status)
                    return
                data, start = route.data, 0
                rng = self.headers.get("Range")
                if rng and not route.ignore_range and rng.startswith("bytes="):
                    start = int(rng[6:].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                if route.no_length or route.endless:
                    self.close_connection = True
                    self.send_header("Connection", "close")
                else:
                    self.send_header("Content-Length", str(len(body)))
                if route.content_type:
                    self.send_header("Content-Type", route.content_type)
                self.send_header("Accept-Ranges", "none" if route.ignore_range else "bytes")
                if route.etag:
                    self.send_header("ETag", route.etag)
                self.end_headers()
                if route.stall:
                    time.sleep(route.stall)
                limit = len(body)
                if route.cut_after is not None:
                    limit = min(limit, route.cut_after)
                    route.cut_after = None  # only the first request is cut
                    self.close_connection = True
                try:
                    for i in range(0, limit, 4096):
                        piece = body[i:min(i + 4096, limit)]
                        self.wfile.write(piece)
                        record["sent"] += len(piece)
                        if route.gate is not None and route.hold_after is not None \
                                and record["sent"] >= route.hold_after:
                            route.gate.wait(30)  # hold the rest until the test says so
                        if route.chunk_delay:
                            time.sleep(route.chunk_delay)
                    while route.endless:
                        self.wfile.write(bytes(65536))
                        record["sent"] += 65536
                    self.wfile.flush()
                except OSError:
                    pass  # client went away (cancel / timeout tests)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, **kw: object) -> Route:
        self.routes[path] = Route(**kw)  # type: ignore[arg-type]
        return self.routes[path]

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
