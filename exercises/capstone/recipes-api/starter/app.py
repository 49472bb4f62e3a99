"""Recipes API (see README.md): users register and log in with a JWT, and own
the recipes they post."""
import os

import jwt  # PyJWT (Debian: python3-jwt)
from flask import Flask, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)
SECRET = os.environ.get("JWT_SECRET", "dev-only-secret")


@app.get("/recipes")
def list_recipes():
    return jsonify([])


# TODO: POST /register, POST /login, POST /recipes, GET /recipes/<id>,
# PUT, PATCH and DELETE /recipes/<id>


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")), threaded=True)
