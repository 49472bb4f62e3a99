"""A tiny shop API to ship in a container (see README.md).

Configuration comes from the environment, as it should in a container:
PORT (default 8000) and DB_PASSWORD, which is a secret: it is given to
the container when it runs, never written into the image.
"""
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/health":
            self.send_error(404)
            return
        body = json.dumps({
            "status": "ok",
            "database_configured": bool(os.environ.get("DB_PASSWORD")),
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    print(f"listening on port {port}", flush=True)
    HTTPServer(("0.0.0.0", port), Handler).serve_forever()
