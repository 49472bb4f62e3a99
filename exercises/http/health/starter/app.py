"""A health endpoint: GET /health -> 200 {"status": "ok"} (see README.md)."""
import os

from flask import Flask

app = Flask(__name__)


# TODO: the /health route


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
