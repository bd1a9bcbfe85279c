"""A local HTTP server on 127.0.0.1 (free port, one thread) for the download
tests: it serves files from a dict, counts requests, and can answer with an
error or cut a transfer short. Test modules get the ``server`` and
``cache`` fixtures with ``pytest_plugins = ['http_server']``."""
import http.server
import threading

import pytest


class FileServer:
    """``files``: ``{'/path': bytes}``; ``errors``: ``{'/path': status}``;
    ``cut``: ``{'/path': n}`` sends the full Content-Length but only ``n``
    bytes, then closes. ``requests`` lists the paths asked for."""

    def __init__(self):
        self.files, self.errors, self.cut = {}, {}, {}
        self.requests = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                if self.path in server.errors:
                    self.send_error(server.errors[self.path])
                    return
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body[:server.cut.get(self.path, len(body))])
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     Handler)
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}'
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def add(self, path, data):
        self.files[path] = data
        return self.url + path

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = FileServer()
    yield srv
    srv.close()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty download cache: ``$POSE3D_HOME/checkpoints``."""
    monkeypatch.setenv('POSE3D_HOME', str(tmp_path / 'home'))
    return tmp_path / 'home' / 'checkpoints'
