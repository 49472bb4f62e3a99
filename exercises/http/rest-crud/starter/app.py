"""A REST resource: /items with POST, GET, PUT, PATCH and DELETE (see README.md)."""
import os

from flask import Flask, jsonify, request

app = Flask(__name__)
items = {}


@app.get("/items")
def list_items():
    return jsonify(list(items.values()))


# TODO: POST /items, GET/PUT/PATCH/DELETE /items/<id>


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
