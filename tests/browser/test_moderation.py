"""The moderation flow in headless Chromium: an anonymous reviewer reports a document from the
review page with the keyboard, a moderator removes it with the keyboard, its URL answers 410,
and the next snapshot lacks it while its manifest counts the takedown."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Dialog, expect

from safedata.accounts.models import User
from safedata.datasets import services as datasets
from safedata.documents.models import Document, Visibility
from safedata.moderation import services
from safedata.moderation.models import Report, Tombstone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 860}


def signed_in_context(chromium: Browser, base: str, user: User) -> BrowserContext:
    context = chromium.new_context(viewport=DESKTOP, color_scheme="light")
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}]
    )
    return context


def test_report_with_the_keyboard_then_a_moderator_removes_it(
    chromium: Browser,
    live_server: Any,
    make_document: Any,
    moderator: User,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.SAFEDATA_SNAPSHOT_DIR = tmp_path / "snapshots"
    base = live_server.url
    document: Document = make_document(
        "A forum post that quotes a private person's home address and daily routine."
    )
    first = datasets.build_snapshot("2026.12.01", actor=moderator)
    assert set(first.rows.values_list("document_id", flat=True)) == {document.pk}

    visitor = chromium.new_context(viewport=DESKTOP, color_scheme="light")
    page = visitor.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/review/")
    stage = page.locator("[data-review-stage]")
    expect(stage.locator("[data-document-id]")).to_have_attribute(
        "data-document-id", str(document.pk)
    )
    expect(stage).to_have_attribute("data-ready", "true")
    page.keyboard.press("r")
    page.wait_for_url(f"**/report/?document={document.pk}")
    expect(page.locator("#id_reason")).to_be_focused()
    page.keyboard.type("Personal")  # type-ahead picks the matching reason
    expect(page.locator("#id_reason")).to_have_value("personal_data")
    page.keyboard.press("Tab")
    page.keyboard.type("It gives my neighbour's address.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("[data-report-sent]")).to_contain_text(f"document #{document.pk}")
    report = Report.objects.get()
    assert (report.document_id, report.reason, report.reporter) == (
        document.pk,
        "personal_data",
        None,
    )

    mod = signed_in_context(chromium, base, moderator)
    queue = mod.new_page()
    queue.set_default_timeout(15_000)
    queue.goto(f"{base}/moderation/")
    expect(queue.locator("tr[data-case]")).to_have_count(1)
    expect(queue.locator("tr[data-case]")).to_contain_text(f"#{document.pk}")
    queue.keyboard.press("j")
    queue.keyboard.press("o")
    queue.wait_for_url(f"**/moderation/documents/{document.pk}/")
    expect(queue.locator("[data-document-text]")).to_contain_text("private person's home address")
    expect(queue.locator("[data-report]")).to_contain_text("Personal data of other people")
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    queue.on("dialog", accept)
    queue.fill("#decision-reason", "Another person's address.")
    queue.locator("#decision-reason").blur()
    queue.keyboard.press("d")
    queue.wait_for_url(f"{base}/moderation/")
    expect(queue.locator("main")).to_contain_text("Nothing waits for a moderator")
    assert dialogs == ["Remove this document? Its text is erased for good."]

    document.refresh_from_db()
    assert document.visibility == Visibility.REMOVED
    assert Tombstone.objects.filter(document=document).exists()
    gone = page.goto(f"{base}/documents/{document.pk}/")
    assert gone is not None
    assert gone.status == 410
    expect(page.locator("main")).to_contain_text("was removed")
    api = page.request.get(f"{base}/api/v1/documents/{document.pk}")
    assert api.status == 410

    second = datasets.build_snapshot("2026.12.02", actor=moderator)
    assert second.row_count == 0
    assert second.manifest["takedowns"] == {"removed_since_previous": 1}
    visitor.close()
    mod.close()


def test_bulk_hide_from_the_queue_with_the_keyboard(
    chromium: Browser, live_server: Any, make_document: Any, moderator: User, member: User
) -> None:
    documents = [make_document(f"Spam wave number {n}: buy cheap watches now.") for n in range(3)]
    reporter = services.Reporter(key=member.voter_key, user=member)
    for document in documents:
        services.report_document(document.pk, reporter, "spam")
    context = signed_in_context(chromium, live_server.url, moderator)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/moderation/")
    expect(page.locator("tr[data-case]")).to_have_count(3)
    for key in ("j", "x", "j", "x"):  # select the first two rows
        page.keyboard.press(key)
    expect(page.locator("tr[data-case] input:checked")).to_have_count(2)
    page.keyboard.press("H")
    expect(page.locator(".messages")).to_contain_text("2 document(s) decided.")
    expect(page.locator("tr[data-case]")).to_have_count(1)
    states = sorted(Document.objects.values_list("visibility", flat=True))
    assert states == ["hidden", "hidden", "visible"]
    context.close()
