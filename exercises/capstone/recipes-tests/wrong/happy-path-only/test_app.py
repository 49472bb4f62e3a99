"""Only what should work: every request is one that succeeds."""
import pytest

from app import app


@pytest.fixture
def client():
    return app.test_client()


def login(client, name):
    client.post("/register", json={"username": name, "password": "secret-pw"})
    token = client.post("/login", json={"username": name, "password": "secret-pw"}).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_register_and_login(client):
    r = client.post("/register", json={"username": "ana", "password": "secret-pw"})
    assert r.status_code == 201
    r = client.post("/login", json={"username": "ana", "password": "secret-pw"})
    assert r.status_code == 200
    assert "token" in r.get_json()


def test_create_and_read(client):
    headers = login(client, "bob")
    r = client.post("/recipes", json={"title": "Soup", "ingredients": ["water"], "minutes": 5},
                    headers=headers)
    assert r.status_code == 201
    recipe = r.get_json()
    assert client.get(f"/recipes/{recipe['id']}").get_json()["title"] == "Soup"
    assert any(x["id"] == recipe["id"] for x in client.get("/recipes").get_json())


def test_update_and_delete(client):
    headers = login(client, "carol")
    recipe = client.post("/recipes", json={"title": "Tea", "ingredients": ["tea"], "minutes": 3},
                         headers=headers).get_json()
    url = f"/recipes/{recipe['id']}"
    r = client.put(url, json={"title": "Green tea", "ingredients": ["tea"], "minutes": 4}, headers=headers)
    assert r.status_code == 200
    assert client.patch(url, json={"minutes": 2}, headers=headers).get_json()["minutes"] == 2
    assert client.delete(url, headers=headers).status_code == 204
