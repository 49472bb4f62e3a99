"""Tests of the recipes API in app.py, with Flask's test client (see README.md).

Each test is a function whose name starts with test_; the client fixture
gives it a test client that sends requests to the app without a server.
"""
import pytest

from app import app


@pytest.fixture
def client():
    app.config["TESTING"] = True
    return app.test_client()


def test_register(client):
    r = client.post("/register", json={"username": "ana", "password": "ana-pw-123"})
    assert r.status_code == 201
    assert r.get_json()["username"] == "ana"


# More tests here: log-in and its token, creating a recipe (with and without
# a token), invalid recipes, the list and ?tag=, PUT, PATCH and DELETE by the
# owner and by someone else, unknown ids...
