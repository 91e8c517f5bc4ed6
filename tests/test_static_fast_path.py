"""Static files answered by the ASGI app from memory (hub/static_asgi.py), on a real server: the
same bytes and headers WhiteNoise would give, compressed when asked, 304 on a repeat visit, and
nothing outside the static folders."""

import gzip
from pathlib import Path

import httpx
import pytest

from frontend import apps as frontend_apps

pytestmark = pytest.mark.django_db(transaction=True)

SITE_JS = Path(frontend_apps.__file__).parent / "static" / "frontend" / "js" / "site.js"


def test_an_asset_is_served_compressed_with_its_validators(hub_server):
    # when a phone asks for a module, accepting gzip
    response = httpx.get(f"{hub_server.url}/static/frontend/js/site.js", headers={"Accept-Encoding": "gzip"})
    # then the file's bytes, compressed, with WhiteNoise's headers and the site's security headers
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == SITE_JS.read_bytes()  # httpx decompressed it
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"].endswith(", public")
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert int(response.headers["content-length"]) < SITE_JS.stat().st_size
    # and the repeat visit costs a 304 with no body
    again = httpx.get(
        f"{hub_server.url}/static/frontend/js/site.js", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""


def test_without_gzip_the_plain_file_and_head_has_no_body(hub_server):
    with httpx.Client(headers={"Accept-Encoding": "identity"}) as client:
        plain = client.get(f"{hub_server.url}/static/frontend/js/site.js")
        head = client.head(f"{hub_server.url}/static/frontend/js/site.js")
    assert "content-encoding" not in plain.headers
    assert plain.content == SITE_JS.read_bytes()
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(SITE_JS.read_bytes()))
    assert gzip.decompress(gzip.compress(plain.content)) == plain.content


@pytest.mark.parametrize(
    "path",
    [
        "/static/../hub/settings.py",
        "/static/%2e%2e/hub/settings.py",
        "/static/frontend/js/../../../../hub/settings.py",
        "/static/frontend/js/nothing-here.js",
        "/static/.hidden",
    ],
)
def test_nothing_outside_the_static_files_is_served(hub_server, path):
    response = httpx.get(f"{hub_server.url}{path}")
    assert response.status_code == 404
    assert b"SECRET_KEY" not in response.content
