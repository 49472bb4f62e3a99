"""Register, log in, and a protected endpoint with JSON Web Tokens (see README.md)."""
import os

import jwt  # PyJWT (Debian: python3-jwt)
from flask import Flask, jsonify, request

app = Flask(__name__)
SECRET = os.environ["JWT_SECRET"]


# TODO: POST /register, POST /login, GET /me


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
