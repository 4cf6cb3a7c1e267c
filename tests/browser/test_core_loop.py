"""The core loop in headless Chromium: sign up, upload, review with the keyboard, see it.

Screenshots of the home, review, document and upload pages at desktop and phone
widths land in ``test-artifacts/screenshots/`` (git-ignored). With
``SAFEDATA_README_SCREENSHOT=1`` the desktop review page is also written to
``docs/img/review.png`` for the README.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
PASSWORD = "a-long-enough-passphrase-42"

DOCUMENTS = [
    (
        "Storing passwords safely",
        "Never store passwords in plain text. Use a slow, salted key-derivation function "
        "such as Argon2id, scrypt or bcrypt, so that a stolen database does not reveal them.\n\n"
        "Each password gets its own random salt, stored next to the hash. The work factor "
        "should be as high as your login latency allows, and raised as hardware gets faster.\n\n"
        "When a user logs in, hash the submitted password with the stored salt and compare "
        "the results in constant time. Never log passwords, not even failed attempts.",
    ),
    (
        "A note about bread",
        "Bread goes stale because its starch recrystallises, not because it dries out. "
        "That is why a loaf kept in the fridge stales faster than one on the counter.\n\n"
        "Freezing stops the process; toasting reverses it for a while.",
    ),
]


def shoot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def sign_up(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/signup/")
    page.fill("#id_email", "ada@example.org")
    page.fill("#id_username", "ada")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".nav-links")).to_contain_text("ada")


def upload(page: Page, base: str, title: str, text: str) -> int:
    page.goto(f"{base}/upload/")
    page.fill("[name=title]", title)
    page.fill("[name=text]", text)
    page.fill("[name=source_url]", "https://example.org/" + title.lower().replace(" ", "-"))
    page.select_option("[name=license]", "CC-BY-4.0")
    page.select_option("[name=language]", "en")
    page.check("[name=aup]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/documents/\d+/$"))
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def current_document(page: Page) -> int:
    # A new document takes keys once it has been on screen for a moment (site.js).
    expect(page.locator("[data-review-stage]")).to_have_attribute("data-ready", "true")
    card = page.locator("[data-review-stage] [data-document-id]")
    expect(card).to_be_visible()
    return int(card.get_attribute("data-document-id") or 0)


def rate_with_key(page: Page, key: str, expected_badge: str) -> None:
    page.keyboard.press(key)
    expect(page.locator("[data-review-stage] .reveal")).to_contain_text("You rated")
    expect(page.locator("[data-review-stage] .reveal .badge").first).to_have_text(expected_badge)


def test_sign_up_upload_review_with_keys_and_see_the_consensus(
    chromium: Browser, live_server: Any
) -> None:
    base = live_server.url
    member = chromium.new_context(viewport=DESKTOP, color_scheme="light")
    page = member.new_page()
    page.set_default_timeout(15_000)
    sign_up(page, base)
    ids = [upload(page, base, title, text) for title, text in DOCUMENTS]
    expect(page.locator(".vote-panel")).to_contain_text("You uploaded this document")
    page.goto(f"{base}/upload/")
    shoot(page, "upload-desktop")
    page.goto(f"{base}/")
    expect(page.locator(".stats")).to_contain_text("2")
    shoot(page, "home-desktop")

    # A fresh context: an anonymous visitor with no cookies at all.
    visitor = chromium.new_context(viewport=DESKTOP, color_scheme="light")
    review = visitor.new_page()
    review.set_default_timeout(15_000)
    review.goto(f"{base}/review/")
    first = current_document(review)
    assert first in ids
    expect(review.locator("[data-review-stage]")).not_to_contain_text("All votes")
    stage_box = review.locator("[data-review-stage] .review-card").bounding_box()
    path = shoot(review, "review-desktop")
    if os.environ.get("SAFEDATA_README_SCREENSHOT") == "1":
        shutil.copyfile(path, ROOT / "docs" / "img" / "review.png")

    rate_with_key(review, "3", "Great")
    second = current_document(review)
    assert second in ids
    assert second != first
    # The next document arrived in place: same card, same size, no page load.
    assert review.locator("[data-review-stage] .review-card").bounding_box() == stage_box
    assert review.url.endswith("/review/")
    rate_with_key(review, "1", "Unsafe")
    expect(review.locator("[data-review-stage]")).to_contain_text("Nothing left to review")

    review.goto(f"{base}/documents/{first}/")
    panel = review.locator("#vote-panel")
    expect(panel.locator(".tally-great dd")).to_have_text("1")
    expect(panel.locator(".tally-total dd")).to_have_text("1")
    expect(panel.locator(".consensus-line .badge")).to_have_text("Great")
    expect(panel.locator('button[value="great"]')).to_have_attribute("aria-pressed", "true")
    shoot(review, "document-desktop")

    # The theme toggle switches to dark and the choice survives a reload.
    review.locator("[data-theme-toggle]").click()
    expect(review.locator("html")).to_have_attribute("data-theme", "dark")
    review.reload()
    expect(review.locator("html")).to_have_attribute("data-theme", "dark")
    shoot(review, "document-desktop-dark")

    phone = chromium.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        color_scheme="light",
        storage_state=member.storage_state(),
    )
    phone_page = phone.new_page()
    for name, url in (("home", "/"), ("upload", "/upload/"), ("document", f"/documents/{first}/")):
        phone_page.goto(base + url)
        shoot(phone_page, f"{name}-phone")
    anonymous_phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone_review = anonymous_phone.new_page()
    phone_review.goto(f"{base}/review/")
    current_document(phone_review)
    buttons = phone_review.locator(".vote-buttons .vote")
    for index in range(3):
        box = buttons.nth(index).bounding_box()
        assert box is not None
        assert box["height"] >= 44
        assert box["width"] >= 44
    shoot(phone_review, "review-phone")
    for context in (member, visitor, phone, anonymous_phone):
        context.close()


def test_refused_and_failed_votes_show_a_message(
    chromium: Browser, live_server: Any, make_document: Any, settings: Any
) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.SAFEDATA_VOTE_RATE_LIMIT = "1/m"
    for title, text in DOCUMENTS:
        make_document(text, title=title)
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/review/")
    first = current_document(page)
    # Shortcuts held with a modifier belong to the browser, not to the review page.
    page.keyboard.press("Alt+3")
    page.wait_for_timeout(300)
    expect(page.locator("[data-review-stage] .reveal")).to_have_count(0)
    rate_with_key(page, "3", "Great")
    second = current_document(page)
    # The second vote within the minute is refused: a friendly 429, same document kept.
    page.keyboard.press("2")
    feedback = page.locator("[data-review-stage] .review-feedback")
    expect(feedback).to_contain_text("Please wait")
    assert current_document(page) == second != first
    # Without cookies the CSRF check fails: the page says so instead of doing nothing.
    context.clear_cookies()
    page.keyboard.press("2")
    expect(feedback).to_contain_text("That did not work (error 403)")
    context.close()
