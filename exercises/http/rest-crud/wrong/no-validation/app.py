"""Wrong: POST accepts anything, missing name or bad price included."""
import os
import threading

from flask import Flask, jsonify, request

app = Flask(__name__)
items = {}
next_id = 1
lock = threading.Lock()


def valid(data, partial=False):
    """The item's fields from a request body, or None when they are wrong."""
    if not isinstance(data, dict):
        return None
    fields = {}
    if "name" in data or not partial:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            return None
        fields["name"] = name
    if "price" in data or not partial:
        price = data.get("price")
        if isinstance(price, bool) or not isinstance(price, (int, float)) or price < 0:
            return None
        fields["price"] = price
    return fields


@app.post("/items")
def create():
    global next_id
    fields = valid(request.get_json(silent=True))
    if fields is None:
        fields = dict(request.get_json(silent=True) or {})
    with lock:
        item = {"id": next_id, **fields}
        items[next_id] = item
        next_id += 1
    return jsonify(item), 201, {"Location": f"/items/{item['id']}"}


@app.get("/items")
def list_items():
    return jsonify(list(items.values()))


@app.get("/items/<int:item_id>")
def read(item_id):
    if item_id not in items:
        return jsonify(error="no such item"), 404
    return jsonify(items[item_id])


@app.put("/items/<int:item_id>")
def replace(item_id):
    if item_id not in items:
        return jsonify(error="no such item"), 404
    fields = valid(request.get_json(silent=True))
    if fields is None:
        return jsonify(error="name and price are required"), 400
    items[item_id] = {"id": item_id, **fields}
    return jsonify(items[item_id])


@app.patch("/items/<int:item_id>")
def update(item_id):
    if item_id not in items:
        return jsonify(error="no such item"), 404
    fields = valid(request.get_json(silent=True), partial=True)
    if fields is None:
        return jsonify(error="bad fields"), 400
    items[item_id].update(fields)
    return jsonify(items[item_id])


@app.delete("/items/<int:item_id>")
def delete(item_id):
    if items.pop(item_id, None) is None:
        return jsonify(error="no such item"), 404
    return "", 204


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
