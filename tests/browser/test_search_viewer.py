"""Search and the dataset viewer in headless Chromium: snippets, paging, narrow screens.

Screenshots land in ``test-artifacts/screenshots/viewer/`` (git-ignored).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from safedata.consensus import Counts, compute
from safedata.documents.models import Document, consensus_fields

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots" / "viewer"
ROWS = 130  # three pages of 50


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def shelf(make_document: Callable[..., Any], settings: Any) -> list[Document]:
    docs = [
        make_document(
            f"Entry {n:03d}. Plain words about orchards, apples and pears. "
            + ("A long unbroken token: " + "x" * 120 if n == 7 else ""),
            title=f"Orchard note {n:03d}" + (" with a <b>tag</b> & more" if n == 3 else ""),
            language="en",
        )
        for n in range(ROWS)
    ]
    docs.append(
        make_document(
            "Never store passwords in plain text; use argon2id with a salt per password.",
            title="Storing passwords safely",
        )
    )
    for doc, counts in ((docs[0], Counts(great=5)), (docs[1], Counts(unsafe=3, neutral=1))):
        fields = consensus_fields(compute(counts, settings.SAFEDATA_CONSENSUS))
        Document.objects.filter(pk=doc.pk).update(**fields)
    return docs


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"{page.url} is {width}px wide in a {viewport}px window"


def test_browse_search_shows_a_highlighted_snippet(
    chromium: Browser, live_server: Any, shelf: list[Document]
) -> None:
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/documents/")
    page.get_by_role("searchbox", name="Search").fill("passw")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".result-count")).to_have_text("1 document")
    row = page.locator("table.doc-table tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("a mark")).to_have_text("passwords")
    expect(row.locator(".snippet mark").first).to_have_text("passwords")
    expect(page.locator("#filter-sort option:checked")).to_have_text("Best match first")
    shoot(page, "browse-search")
    page.get_by_role("searchbox", name="Search").fill("tag")
    page.get_by_role("button", name="Apply").click()
    # The title's markup is text: shown as typed, never parsed into elements.
    expect(page.locator("table.doc-table tbody tr a")).to_contain_text("<b>tag</b> & more")
    assert page.locator("table.doc-table tbody tr a b").count() == 0
    page.close()


def test_dataset_viewer_pages_through_every_row(
    chromium: Browser, live_server: Any, shelf: list[Document]
) -> None:
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/dataset/?q=orchard")
    seen: list[str] = []
    while True:
        ids = page.locator("table.viewer tbody tr td:first-child a").all_inner_texts()
        seen += ids
        expect(page.locator("nav.pagination [aria-current=page]")).to_contain_text(f"of {ROWS}")
        nxt = page.get_by_role("link", name="Next →")
        if nxt.count() == 0:
            break
        nxt.click()
    assert [int(i) for i in seen] == sorted(d.pk for d in shelf[:ROWS])
    expect(page.locator("nav.pagination [aria-current=page]")).to_have_text(
        f"Rows 101–{ROWS} of {ROWS}"
    )
    page.get_by_role("link", name="← Previous").click()
    expect(page.locator("nav.pagination [aria-current=page]")).to_have_text(
        f"Rows 51–100 of {ROWS}"
    )
    expect(page.locator("table.viewer tbody tr mark").first).to_have_text("Orchard")
    shoot(page, "dataset-page-2")
    page.close()


@pytest.mark.parametrize("width", [320, 390])
def test_dataset_page_fits_a_narrow_screen(
    chromium: Browser, live_server: Any, shelf: list[Document], width: int
) -> None:
    page = chromium.new_page(viewport={"width": width, "height": 740}, is_mobile=True)
    for path in ("/dataset/", "/dataset/?q=orchard&label=great", "/documents/?q=orchard"):
        page.goto(live_server.url + path)
        no_sideways_scroll(page)
    page.goto(f"{live_server.url}/dataset/")
    expect(page.locator(".chart svg")).to_have_count(3)
    expect(page.locator("table.viewer tbody tr").first).to_contain_text("Great")
    expect(page.locator("table.viewer tbody tr").nth(2)).to_contain_text("no votes")
    apply = page.get_by_role("button", name="Apply")
    assert apply.evaluate("b => getComputedStyle(b).backgroundColor") != "rgb(239, 239, 239)"
    shoot(page, f"dataset-{width}")
    page.close()
