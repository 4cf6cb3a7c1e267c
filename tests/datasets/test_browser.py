"""The dataset pages in headless Chromium, and snapshot Range requests over real HTTP."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from playwright.sync_api import Browser, Page, expect

from safedata.accounts.models import ApiToken
from safedata.datasets import services

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-staple"


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".nav-links")).to_contain_text(username)


@pytest.mark.browser
def test_browse_preview_download_and_publish(
    chromium: Browser,
    live_server: Any,
    corpus: dict[str, Any],
    member: Any,
    moderator: Any,
    tmp_path: Path,
) -> None:
    anonymous = chromium.new_page()
    anonymous.goto(f"{live_server.url}/dataset/?label=great")
    expect(anonymous.locator("table.preview")).to_contain_text(corpus["great"].text[:40])
    expect(anonymous.locator("main")).to_contain_text("needs a free account")
    anonymous.close()

    reader = chromium.new_context(accept_downloads=True).new_page()
    log_in(reader, live_server.url, "member")
    reader.goto(f"{live_server.url}/dataset/")
    with reader.expect_download() as download:
        reader.get_by_role("link", name="parquet", exact=True).click()
    saved = tmp_path / "dataset.parquet"
    download.value.save_as(saved)
    assert pq.read_table(saved).num_rows == 4

    staff = chromium.new_context().new_page()
    log_in(staff, live_server.url, "moderator")
    staff.goto(f"{live_server.url}/dataset/snapshots/")
    staff.get_by_role("button", name="Publish a snapshot now").click()
    expect(staff.locator(".messages")).to_contain_text("Published snapshot")
    expect(staff.locator("section.snapshot")).to_contain_text("data/documents.parquet")


def test_range_requests_over_http(live_server: Any, corpus: dict[str, Any], member: Any) -> None:
    services.build_snapshot("v1")
    raw = ApiToken.issue(member, "range")[1]
    url = f"{live_server.url}/api/v1/snapshots/v1/files/data/documents.parquet"

    def get(headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        auth = {"Authorization": f"Bearer {raw}"}
        request = urllib.request.Request(url, headers={**auth, **headers})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    status, headers, whole = get({})
    assert status == 200
    assert int(headers["Content-Length"]) == len(whole)
    status, headers, part = get({"Range": "bytes=10-19"})
    assert status == 206
    assert part == whole[10:20]
    assert headers["Content-Range"] == f"bytes 10-19/{len(whole)}"
    status, _, _ = get({"Range": f"bytes={len(whole) + 5}-"})
    assert status == 416
