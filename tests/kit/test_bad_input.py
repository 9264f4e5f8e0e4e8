"""Bad input gets a clear 4xx JSON answer, never a 500."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conftest import PASSWORD, make_tenant, sign_in


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
async def owner_client(
    app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> httpx.AsyncClient:
    tenant = await make_tenant(sessionmaker, "Acme")
    await sign_in(app_client, tenant.owner.email)
    return app_client


GOOD = {"email": "new@acme.example.com", "name": "New", "role": "Chat Operator", "password": PASSWORD}
BAD_BODIES: list[tuple[str, Any, int]] = [
    ("empty object", {}, 400),
    ("missing password", {k: v for k, v in GOOD.items() if k != "password"}, 400),
    ("unknown field", {**GOOD, "is_admin": True}, 400),
    ("wrong type for name", {**GOOD, "name": 42}, 400),
    ("list instead of object", [GOOD], 400),
    ("null", None, 400),
    ("not an email", {**GOOD, "email": "not-an-email"}, 400),
    ("unknown role", {**GOOD, "role": "Emperor"}, 400),
    ("short password", {**GOOD, "password": "short"}, 400),
    ("empty name", {**GOOD, "name": "   "}, 400),
    ("huge name", {**GOOD, "name": "x" * 5000}, 400),
    ("huge email", {**GOOD, "email": "a" * 300 + "@acme.example.com"}, 400),
]


@pytest.mark.parametrize(("label", "body", "status"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
async def test_bad_bodies_get_a_clear_json_error(
    owner_client: httpx.AsyncClient, label: str, body: Any, status: int
) -> None:
    answer = await owner_client.post("/web/api/users/", json=body)
    assert answer.status_code == status, (label, answer.text)
    data = answer.json()
    assert data["code"] == "invalid_input" and isinstance(data["detail"], str) and data["detail"]


async def test_non_json_body_is_named_as_such(owner_client: httpx.AsyncClient) -> None:
    answer = await owner_client.post(
        "/web/api/users/", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "detail": "The request body is not valid JSON.",
        "code": "invalid_input",
        "errors": answer.json()["errors"],
    }


async def test_oversized_body_is_refused_before_reading(owner_client: httpx.AsyncClient) -> None:
    answer = await owner_client.post(
        "/web/api/users/", content=b"x" * 1_100_000, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413 and answer.json()["code"] == "payload_too_large"


@pytest.mark.parametrize("user_id", ["0", "-1", "abc", "99999999999999999999", "2147483648", "1.5"])
async def test_bad_ids_are_4xx(owner_client: httpx.AsyncClient, user_id: str) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        answer = await owner_client.request(method, f"/web/api/users/{user_id}/", json={"role": "Chat Manager"})
        assert 400 <= answer.status_code < 500, (method, user_id, answer.text)
        assert "code" in answer.json()


async def test_unknown_paths_and_methods_answer_json(owner_client: httpx.AsyncClient) -> None:
    missing = await owner_client.get("/web/api/nothing-here/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wrong_method = await owner_client.put("/web/api/users/")
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "method_not_allowed"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=300),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=5),
    max_leaves=12,
)
user_like = st.fixed_dictionaries(
    {},
    optional={
        "email": json_values,
        "name": json_values,
        "role": json_values,
        "password": json_values,
        "language": json_values,
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(json_values, user_like))
async def test_generated_bodies_never_cause_a_500(owner_client: httpx.AsyncClient, body: Any) -> None:
    answer = await owner_client.post(
        "/web/api/users/", content=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code < 500, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    patched = await owner_client.patch(
        "/web/api/users/1/", content=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert patched.status_code < 500, patched.text
