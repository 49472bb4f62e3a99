import os
import sys
from urllib.parse import urlsplit, urlunsplit


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def redact(url):
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def main():
    database_url = os.environ.get("DATABASE_URL")
    port = os.environ.get("PORT")
    if not database_url:
        fail("DATABASE_URL is not set")
    if not port:
        fail("PORT is not set")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        fail(f"PORT must be a number from 1 to 65535, not {port!r}")
    print(f"database: {redact(database_url)}")
    print(f"listening on port {int(port)}")


main()
