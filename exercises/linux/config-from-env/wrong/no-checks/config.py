import os

# Falls back to defaults instead of refusing to start.
database_url = os.environ.get("DATABASE_URL", "sqlite:///dev.db")
port = int(os.environ.get("PORT", "8000"))
print(f"database: {database_url}")
print(f"listening on port {port}")
