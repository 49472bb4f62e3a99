"""Wrong: a blacklist of SQL words: searches that contain them are refused, and the query is still built from text."""
import os
import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)
DB = "shop.db"


def setup():
    """A fresh database: products to search, and users that must stay secret."""
    if os.path.exists(DB):
        os.remove(DB)
    db = sqlite3.connect(DB)
    db.executescript(
        """
        CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL);
        CREATE TABLE users (username TEXT PRIMARY KEY, password TEXT NOT NULL);
        INSERT INTO products (name, price) VALUES
            ('Blue pen', 1.2), ('Red pen', 1.3), ('Notebook', 3.5),
            ('Five o''clock tea', 4.0), ('Stapler', 7.9);
        INSERT INTO users VALUES ('admin', 'hunter2-top-secret'), ('ana', 'ana-pass-42');
        """
    )
    db.commit()
    db.close()


@app.get("/search")
def search():
    q = request.args.get("q", "")
    db = sqlite3.connect(DB)
    if " or " in q.lower() or "--" in q or "union" in q.lower():
        return jsonify(error="forbidden search"), 400
    rows = db.execute(
        f"SELECT name, price FROM products WHERE name LIKE '%{q}%' ORDER BY id"
    ).fetchall()
    db.close()
    return jsonify([{"name": name, "price": price} for name, price in rows])


if __name__ == "__main__":
    setup()
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
