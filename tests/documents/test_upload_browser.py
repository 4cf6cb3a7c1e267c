"""The upload form in headless Chromium: htmx pre-fills the language, a hand choice sticks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from safedata.documents.models import Document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FRENCH = (
    "Le comité s'est réuni mardi pour discuter des nouveaux horaires de la bibliothèque "
    "et du budget de l'année prochaine."
)
GERMAN = (
    "Der Ausschuss hat sich am Dienstag getroffen, um die neuen Öffnungszeiten der "
    "Bibliothek zu besprechen."
)


@pytest.fixture
def page(chromium: Browser, live_server: Any, member: Any) -> Iterator[Page]:
    client = Client()
    client.force_login(member)
    context = chromium.new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/upload/")
    yield page
    context.close()


def test_typing_prefills_the_language_and_a_hand_choice_is_kept(page: Page, member: Any) -> None:
    language = page.locator("[name=language]")
    page.fill("[name=text]", FRENCH)
    expect(language).to_have_value("fr")
    expect(page.locator("#language-field .help")).to_contain_text("Detected automatically")

    page.select_option("[name=language]", "it")
    page.fill("[name=text]", GERMAN)
    expect(page.locator("#language-field .help")).to_contain_text("suggests “de”")
    expect(language).to_have_value("it")

    page.check("[name=aup]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/documents/\d+/$"))
    document = Document.objects.get()
    assert (document.language, document.uploader) == ("it", member)


def test_choosing_a_file_prefills_the_language(page: Page, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text(GERMAN, encoding="utf-8")
    page.set_input_files("[name=file]", str(note))
    expect(page.locator("[name=language]")).to_have_value("de")
    page.check("[name=aup]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/documents/\d+/$"))
    assert Document.objects.get().language == "de"
