"""Tests of the recipes API (app.py), with Flask's test client."""
import itertools

import jwt
import pytest

from app import app

counter = itertools.count(1)
RECIPE = {"title": "Pancakes", "ingredients": ["flour", "milk", "eggs"], "minutes": 20,
          "tags": ["breakfast"]}


@pytest.fixture
def client():
    app.config["TESTING"] = True
    return app.test_client()


def new_user(client):
    """Registers the test user; returns (name, headers)."""
    name = "tester"
    password = f"pw-of-{name}"
    r = client.post("/register", json={"username": name, "password": password})
    assert r.status_code == 201
    r = client.post("/login", json={"username": name, "password": password})
    assert r.status_code == 200
    return name, {"Authorization": f"Bearer {r.get_json()['token']}"}


def create(client, headers, **fields):
    r = client.post("/recipes", json={**RECIPE, **fields}, headers=headers)
    assert r.status_code == 201
    return r.get_json()


# --- users -----------------------------------------------------------------

def test_register_returns_the_user_without_the_password(client):
    r = client.post("/register", json={"username": "ana", "password": "ana-pw-123"})
    assert r.status_code == 201
    body = r.get_json()
    assert body["username"] == "ana"
    assert set(body) == {"id", "username"}
    assert b"ana-pw-123" not in r.data


def test_a_username_is_taken_once(client):
    assert client.post("/register", json={"username": "bob", "password": "bob-pw-1"}).status_code == 201
    assert client.post("/register", json={"username": "bob", "password": "bob-pw-2"}).status_code == 409


@pytest.mark.parametrize("body", [{"username": "x1"}, {"username": "", "password": "long-pw"},
                                  {"password": "long-pw"}])
def test_register_refuses_incomplete_sign_ups(client, body):
    assert client.post("/register", json=body).status_code == 400


def test_login_needs_the_right_password(client):
    client.post("/register", json={"username": "carol", "password": "carol-pw"})
    r = client.post("/login", json={"username": "carol", "password": "wrong-pw"})
    assert r.status_code == 401
    assert "token" not in (r.get_json() or {})
    assert client.post("/login", json={"username": "nobody", "password": "carol-pw"}).status_code == 401
    r = client.post("/login", json={"username": "carol", "password": "carol-pw"})
    assert r.status_code == 200
    assert r.get_json()["token"].count(".") == 2


# --- creating and reading ------------------------------------------------

def test_create_answers_201_with_the_recipe(client):
    name, headers = new_user(client)
    r = client.post("/recipes", json=RECIPE, headers=headers)
    assert r.status_code == 201
    recipe = r.get_json()
    assert recipe["owner"] == name
    assert isinstance(recipe["id"], int)
    for key, value in RECIPE.items():
        assert recipe[key] == value
    assert client.get(f"/recipes/{recipe['id']}").get_json() == recipe


def test_tags_default_to_an_empty_list(client):
    _, headers = new_user(client)
    fields = {k: v for k, v in RECIPE.items() if k != "tags"}
    r = client.post("/recipes", json=fields, headers=headers)
    assert r.status_code == 201
    assert r.get_json()["tags"] == []


def test_create_needs_a_valid_token(client):
    name, _ = new_user(client)
    before = client.get("/recipes").get_json()
    assert client.post("/recipes", json=RECIPE).status_code == 401
    assert client.post("/recipes", json=RECIPE,
                       headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    forged = jwt.encode({"sub": name, "exp": 4102444800}, "not-the-secret", algorithm="HS256")
    assert client.post("/recipes", json=RECIPE,
                       headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    assert client.get("/recipes").get_json() == before


@pytest.mark.parametrize("change", [
    {"title": None}, {"title": ""}, {"title": "   "}, {"title": 7},
    {"ingredients": None}, {"ingredients": []}, {"ingredients": "flour"},
    {"minutes": None}, {"minutes": 0}, {"minutes": -5}, {"minutes": "ten"}, {"minutes": 2.5},
    {"tags": "breakfast"},
])
def test_create_refuses_an_invalid_recipe(client, change):
    _, headers = new_user(client)
    body = {**RECIPE, **change}
    body = {k: v for k, v in body.items() if v is not None}
    assert client.post("/recipes", json=body, headers=headers).status_code == 400


def test_create_refuses_a_body_that_is_not_json(client):
    _, headers = new_user(client)
    r = client.post("/recipes", data="title=Tea", headers={**headers, "Content-Type": "text/plain"})
    assert r.status_code == 400


def test_anyone_may_list_and_read(client):
    _, headers = new_user(client)
    recipe = create(client, headers, title="Soup")
    listed = client.get("/recipes")
    assert listed.status_code == 200
    assert recipe in listed.get_json()
    for r in listed.get_json():
        assert set(r) == {"id", "title", "ingredients", "minutes", "tags", "owner"}
    assert client.get(f"/recipes/{recipe['id']}").status_code == 200


def test_unknown_recipe_is_404(client):
    _, headers = new_user(client)
    assert client.get("/recipes/999999").status_code == 404
    assert client.delete("/recipes/999999", headers=headers).status_code == 404
    assert client.patch("/recipes/999999", json={"minutes": 3}, headers=headers).status_code == 404


def test_tag_filter(client):
    _, headers = new_user(client)
    tagged = create(client, headers, tags=["only-here", "soup"])
    other = create(client, headers, tags=["soup"])
    found = client.get("/recipes?tag=only-here").get_json()
    assert found == [tagged]
    soups = client.get("/recipes?tag=soup").get_json()
    assert tagged in soups and other in soups
    assert client.get("/recipes?tag=nothing-has-this").get_json() == []


# --- changing: only the owner ----------------------------------------------

def test_owner_can_put(client):
    name, headers = new_user(client)
    recipe = create(client, headers)
    new = {"title": "Waffles", "ingredients": ["flour"], "minutes": 15, "tags": ["sweet"]}
    r = client.put(f"/recipes/{recipe['id']}", json=new, headers=headers)
    assert r.status_code == 200
    assert r.get_json() == {**new, "id": recipe["id"], "owner": name}
    assert client.get(f"/recipes/{recipe['id']}").get_json() == r.get_json()


def test_put_refuses_an_incomplete_recipe(client):
    _, headers = new_user(client)
    recipe = create(client, headers)
    r = client.put(f"/recipes/{recipe['id']}", json={"title": "Only a title"}, headers=headers)
    assert r.status_code == 400
    assert client.get(f"/recipes/{recipe['id']}").get_json() == recipe


def test_owner_can_patch_one_field(client):
    _, headers = new_user(client)
    recipe = create(client, headers)
    r = client.patch(f"/recipes/{recipe['id']}", json={"minutes": 5}, headers=headers)
    assert r.status_code == 200
    assert r.get_json() == {**recipe, "minutes": 5}
    r = client.patch(f"/recipes/{recipe['id']}", json={"minutes": 0}, headers=headers)
    assert r.status_code == 400
    r = client.patch(f"/recipes/{recipe['id']}", json={"title": ""}, headers=headers)
    assert r.status_code == 400
    assert client.get(f"/recipes/{recipe['id']}").get_json()["minutes"] == 5


def test_owner_can_delete(client):
    _, headers = new_user(client)
    recipe = create(client, headers)
    r = client.delete(f"/recipes/{recipe['id']}", headers=headers)
    assert r.status_code == 204
    assert client.get(f"/recipes/{recipe['id']}").status_code == 404
    assert recipe not in client.get("/recipes").get_json()


def test_others_get_403_and_change_nothing(client):
    _, owner = new_user(client)
    _, other = new_user(client)
    recipe = create(client, owner)
    url = f"/recipes/{recipe['id']}"
    assert client.put(url, json={**RECIPE, "title": "Mine"}, headers=other).status_code == 403
    assert client.patch(url, json={"title": "Mine"}, headers=other).status_code == 403
    assert client.delete(url, headers=other).status_code == 403
    assert client.get(url).get_json() == recipe


def test_changes_need_a_token(client):
    _, owner = new_user(client)
    recipe = create(client, owner)
    url = f"/recipes/{recipe['id']}"
    assert client.put(url, json=RECIPE).status_code == 401
    assert client.patch(url, json={"minutes": 1}).status_code == 401
    assert client.delete(url).status_code == 401
    assert client.get(url).get_json() == recipe
