"""Wrong: answers /health with plain text, not JSON."""
import os

from flask import Flask

app = Flask(__name__)


@app.get("/health")
def health():
    return "ok\n", 200, {"Content-Type": "text/plain"}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
