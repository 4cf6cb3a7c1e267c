"""The review page in headless Chromium: undo, one vote per key press, focus, guidelines.

Every test drives the real page served by ``live_server`` with the real htmx,
``site.js`` and stylesheet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from safedata.voting.models import Vote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
LONG_TEXT = "\n\n".join(
    f"Paragraph {n}: a reviewer reads every line of this text before rating it, "
    "so it has to scroll inside its card without moving the buttons." * 2
    for n in range(30)
)
INDENTED = (
    "Indent with four spaces:\n\n"
    "def area(radius):\n"
    "    if radius < 0:\n"
    "        raise ValueError('negative')\n"
    "    return 3.14159 * radius ** 2\n"
    "\n\n\n"
    "Three blank lines above; <em>this</em> is text, not markup."
)


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport=DESKTOP, color_scheme="light")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def base(live_server: Any) -> str:
    return str(live_server.url)


@pytest.fixture
def three(make_document: Callable[..., Any]) -> list[int]:
    return [make_document(f"Document {n}: something short to rate.").pk for n in range(3)]


def shown(page: Page) -> int:
    """The document on screen, once the stage takes keys."""
    expect(page.locator("[data-review-stage]")).to_have_attribute("data-ready", "true")
    card = page.locator("[data-review-stage] [data-document-id]")
    return int(card.get_attribute("data-document-id") or 0)


def open_review(page: Page, base: str) -> int:
    page.goto(f"{base}/review/")
    return shown(page)


def vote_count() -> int:
    return Vote.objects.count()


@pytest.mark.parametrize("how", ["u", "Backspace", "button"])
def test_undo_withdraws_the_vote_and_brings_the_document_back(
    page: Page, base: str, three: list[int], how: str
) -> None:
    first = open_review(page, base)
    page.keyboard.press("3")
    expect(page.locator(".reveal")).to_contain_text("You rated")
    second = shown(page)
    assert second != first
    assert Vote.objects.filter(document_id=first).count() == 1
    expect(page.locator(".progress-counts")).to_contain_text("1 reviewed this session")
    if how == "button":
        page.get_by_role("button", name="Undo").click()
    else:
        page.keyboard.press(how)
    expect(page.locator(".review-feedback")).to_contain_text("was withdrawn")
    assert shown(page) == first
    assert not Vote.objects.filter(document_id=first).exists()
    expect(page.locator(".progress-counts")).to_contain_text("0 reviewed this session")
    # Rated again, it counts once.
    page.keyboard.press("1")
    expect(page.locator(".reveal .badge").first).to_have_text("Unsafe")
    assert Vote.objects.get(document_id=first).rating == "unsafe"


# Key presses at a steady pace from inside the page, as a fast or bouncing key sends them:
# Playwright's own presses are too slow to land right after a swap on a busy machine.
PRESSES = """([key, count, gap]) => new Promise(resolve => {
  let sent = 0;
  const press = () => {
    const target = document.activeElement || document.body;
    target.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true, cancelable: true}));
    if (++sent < count) setTimeout(press, gap); else resolve(sent);
  };
  press();
})"""


@pytest.mark.parametrize(("count", "gap_ms"), [(3, 20), (13, 20)])
def test_quick_presses_vote_once(
    page: Page, base: str, make_document: Callable[..., Any], count: int, gap_ms: int
) -> None:
    # 13 presses 20 ms apart span 240 ms: without the guard the next documents, each on
    # screen for a few milliseconds, were rated too (two or three votes on this machine).
    for n in range(6):
        make_document(f"Document {n}: something short to rate.")
    first = open_review(page, base)
    page.evaluate(PRESSES, ["3", count, gap_ms])
    expect(page.locator(".reveal")).to_contain_text("You rated")
    second = shown(page)
    page.wait_for_timeout(600)
    assert list(Vote.objects.values_list("document_id", flat=True)) == [first]
    assert shown(page) == second
    # The page's own guard held the extra presses back: the server refused nothing.
    expect(page.locator(".review-feedback")).not_to_contain_text("nothing was recorded")


def test_a_held_key_and_a_double_click_vote_once(page: Page, base: str, three: list[int]) -> None:
    first = open_review(page, base)
    page.keyboard.down("2")
    page.keyboard.down("2")  # the browser's auto-repeat: event.repeat is set
    page.keyboard.up("2")
    expect(page.locator(".reveal")).to_contain_text("You rated")
    second = shown(page)
    page.locator(".vote-great").dblclick()
    expect(page.locator(".reveal .badge").first).to_have_text("Great")
    page.wait_for_timeout(600)
    assert sorted(Vote.objects.values_list("document_id", "rating")) == sorted(
        [(first, "neutral"), (second, "great")]
    )


def test_focus_starts_on_the_text_and_the_keys_scroll_it(
    page: Page, base: str, make_document: Callable[..., Any]
) -> None:
    make_document(LONG_TEXT, title="A long text")
    make_document("Another one. " + LONG_TEXT, title="Another long text")
    open_review(page, base)
    text = page.locator("[data-review-stage] .review-text")
    expect(text).to_be_focused()
    page.keyboard.press("PageDown")
    # A function, not an expression: Playwright evaluates a bare expression with eval(),
    # which the site's CSP (no 'unsafe-eval') refuses.
    page.wait_for_function("() => document.querySelector('.review-text').scrollTop > 100")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("window.scrollY") == 0
    # The focus ring is drawn inside the card, which clips what lies outside it.
    ring = text.evaluate(
        "el => { const s = getComputedStyle(el); "
        "return [s.outlineStyle, s.outlineWidth, s.outlineOffset]; }"
    )
    assert ring[0] == "solid"
    assert float(ring[1].removesuffix("px")) >= 2
    assert float(ring[2].removesuffix("px")) <= -float(ring[1].removesuffix("px"))
    # After a vote the next text has the focus again.
    page.keyboard.press("2")
    expect(page.locator(".reveal")).to_contain_text("You rated")
    shown(page)
    expect(page.locator("[data-review-stage] .review-text")).to_be_focused()


def test_question_mark_lists_every_shortcut(page: Page, base: str, three: list[int]) -> None:
    open_review(page, base)
    page.keyboard.press("?")
    dialog = page.locator("dialog#shortcuts")
    expect(dialog).to_be_visible()
    for key in ("1", "2", "3", "s", "u", "Backspace", "r", "PageDown", "?", "Esc"):
        expect(dialog.locator("kbd", has_text=key).first).to_be_visible()
    # While the list is open the review keys do nothing.
    page.keyboard.press("3")
    page.wait_for_timeout(400)
    assert vote_count() == 0
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Shortcuts").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_guidelines_are_in_view_beside_the_document(
    page: Page, base: str, three: list[int]
) -> None:
    open_review(page, base)
    card = page.locator(".review-card").bounding_box()
    guide = page.locator(".review-guide").bounding_box()
    assert card is not None
    assert guide is not None
    assert guide["x"] >= card["x"] + card["width"]
    assert guide["y"] < card["y"] + card["height"]
    assert guide["y"] + guide["height"] <= DESKTOP["height"]
    expect(page.locator(".review-guide")).to_contain_text("Harmful to learn from")


def test_text_keeps_its_indentation_as_plain_text(
    page: Page, base: str, make_document: Callable[..., Any]
) -> None:
    document = make_document(INDENTED, title="Indented code")
    open_review(page, base)
    text = page.locator("[data-review-stage] .plain-text")
    # innerText follows the rendering: collapsed spaces or lost lines would show here.
    assert text.evaluate("el => el.innerText") == document.text
    expect(text.locator("em")).to_have_count(0)
    page.goto(f"{base}/documents/{document.pk}/")
    assert page.locator(".doc-text").evaluate("el => el.innerText") == document.text
