"""Inputs the database refuses are the caller's mistake: a 4xx naming the field, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from flowai_testkit import create_key, signup

from flowai.core.context import AppContext


@pytest.fixture(params=["postgres"])
def database_url(request: pytest.FixtureRequest) -> str:  # PostgreSQL refuses NUL in text; SQLite stores it
    return str(request.getfixturevalue("postgres_database"))


def test_a_nul_character_is_a_422_naming_its_field(ctx: AppContext, client: TestClient) -> None:
    signup(client)
    key = {"Authorization": f"Bearer {create_key(client, ['read', 'editor:write'])}"}
    r = client.post("/v1/projects", json={"name": "before\u0000after"}, headers=key)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"field": "name", "message": "must not contain NUL (U+0000)"}]
    assert client.get("/v1/projects", headers=key).json()["items"] == []  # nothing written

    r = client.get("/v1/jobs", params={"cursor": "\u0000x"}, headers=key)  # a GET's read-only session
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"field": "cursor", "message": "must not contain NUL (U+0000)"}]
