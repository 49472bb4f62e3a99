import os
import sys

database_url = os.environ.get("DATABASE_URL")
port = os.environ.get("PORT")
if not database_url:
    print("error: DATABASE_URL is not set", file=sys.stderr)
    sys.exit(1)
if not port:
    print("error: PORT is not set", file=sys.stderr)
    sys.exit(1)
if not port.isdigit():
    print("error: PORT must be a number", file=sys.stderr)
    sys.exit(1)
print(f"database: {database_url}")
print(f"listening on port {port}")
