"""The guide's step 2 in a browser: the host page, on another origin, calls the handshake with
`fetch` and gets `{token, uid}`; a page on an origin the API key does not list is refused."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from sportello.app import create_app
from sportello.settings import Settings
from support.browser import chromium
from support.seeding import Integration, seed_integration
from support.servers import free_port, running_server

pytestmark = pytest.mark.browser

# The guide's snippet, but for the base URL, returning what it gets instead of making the iframe.
HOST_PAGE = """<!doctype html><html><body><div id="spoki-embedding"></div><script>
async function initSpokiIframe(api, apiKey, email, privateKey) {
  const headers = new Headers();
  headers.append("Content-Type", "application/json");
  headers.append("X-Spoki-Api-Key", apiKey);
  const body = JSON.stringify({ email: email, private_key: privateKey });
  const requestOptions = { method: "POST", headers, body, redirect: "follow" };
  try {
    const response = await fetch(`${api}/api/1/auth/get_authentication_token/`, requestOptions);
    return { status: response.status, body: await response.json() };
  } catch (error) {
    return { blocked: String(error) };
  }
}
</script></body></html>"""


def _host_app() -> Starlette:
    async def page(_request: object) -> HTMLResponse:
        return HTMLResponse(HOST_PAGE)

    return Starlette(routes=[Route("/", page)])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str, Integration]]:
    allowed_port, other_port = free_port(), free_port()
    allowed, other = f"http://127.0.0.1:{allowed_port}", f"http://127.0.0.1:{other_port}"
    data = tmp_path_factory.mktemp("handshake-browser")
    from support.databases import make_sqlite_template, sqlite_url

    make_sqlite_template(data)
    settings = Settings(data_dir=data, database_url=sqlite_url(data / "template.db"), log_format="text")
    integration = seed_integration(settings, allowed_origins=[allowed])
    with (
        running_server(create_app(settings)) as api,
        running_server(_host_app(), port=allowed_port),
        running_server(_host_app(), port=other_port),
    ):
        yield api, allowed, other, integration


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Page]:
    with chromium() as browser:
        page = browser.new_page()
        page.set_default_timeout(10_000)
        yield page


def _call(page: Page, host: str, api: str, integration: Integration) -> dict[str, object]:
    page.goto(host)
    result: dict[str, object] = page.evaluate(
        "([api, key, email, privateKey]) => initSpokiIframe(api, key, email, privateKey)",
        [api, integration.api_key, integration.email, integration.private_key],
    )
    return result


def test_allowed_host_page_gets_token_and_uid(world: tuple[str, str, str, Integration], browser_page: Page) -> None:
    api, allowed, _, integration = world
    result = _call(browser_page, allowed, api, integration)
    assert result["status"] == 200, result
    body = result["body"]
    assert isinstance(body, dict) and set(body) == {"token", "uid"} and body["uid"] == integration.uid


def test_host_page_reads_the_error_of_a_wrong_private_key(
    world: tuple[str, str, str, Integration], browser_page: Page
) -> None:
    api, allowed, _, integration = world
    wrong = Integration(**{**integration.__dict__, "private_key": "sppk_wrong"})
    result = _call(browser_page, allowed, api, wrong)
    assert result == {
        "status": 401,
        "body": {"detail": "The email or the private key is not right.", "code": "invalid_credentials"},
    }


def test_page_on_an_unlisted_origin_is_refused(world: tuple[str, str, str, Integration], browser_page: Page) -> None:
    api, _, other, integration = world
    result = _call(browser_page, other, api, integration)
    assert "blocked" in result and "Failed to fetch" in str(result["blocked"])
    # And the server itself refuses such a call, whatever a client does with CORS.
    direct = httpx.post(
        f"{api}/api/1/auth/get_authentication_token/",
        headers={"X-Spoki-Api-Key": integration.api_key, "Origin": other},
        json={"email": integration.email, "private_key": integration.private_key},
    )
    assert direct.status_code == 403 and direct.json()["code"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in direct.headers


def test_server_to_server_calls_need_no_origin(world: tuple[str, str, str, Integration]) -> None:
    api, _, _, integration = world
    answer = httpx.post(
        f"{api}/api/1/auth/get_authentication_token/",
        headers={"X-Spoki-Api-Key": integration.api_key},
        json={"email": integration.email, "private_key": integration.private_key},
    )
    assert answer.status_code == 200 and answer.json()["uid"] == integration.uid
