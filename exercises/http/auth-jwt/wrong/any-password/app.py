"""Wrong: log in works with any password."""
import datetime
import os
import threading

import jwt
from flask import Flask, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)
SECRET = os.environ["JWT_SECRET"]
users = {}  # username -> password hash
lock = threading.Lock()


def credentials():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return None, None
    user, password = data.get("username"), data.get("password")
    if not isinstance(user, str) or not user or not isinstance(password, str) or not password:
        return None, None
    return user, password


@app.post("/register")
def register():
    user, password = credentials()
    if user is None:
        return jsonify(error="username and password are required"), 400
    with lock:
        if user in users:
            return jsonify(error="that username is taken"), 409
        users[user] = generate_password_hash(password)
    return jsonify(username=user), 201


@app.post("/login")
def login():
    user, password = credentials()
    if user is None:
        return jsonify(error="username and password are required"), 400
    hashed = users.get(user)
    if hashed is None:
        return jsonify(error="wrong username or password"), 401
    exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    token = jwt.encode({"sub": user, "exp": exp}, SECRET, algorithm="HS256")
    return jsonify(token=token)


@app.get("/me")
def me():
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        return jsonify(error="log in first"), 401
    try:
        claims = jwt.decode(auth[len("Bearer "):], SECRET, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        return jsonify(error="invalid or expired token"), 401
    if claims.get("sub") not in users:
        return jsonify(error="no such user"), 401
    return jsonify(username=claims["sub"])


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
