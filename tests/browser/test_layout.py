"""Every page at phone and desktop widths: nothing wider than the screen, the nav all there.

Each page is opened in headless Chromium at 390 px (a phone, with touch) and at
1280 px, as the visitor it is meant for, with data on it: long titles and long
words, votes, a published snapshot. The page may not scroll sideways
(``scrollWidth`` of the document no wider than the viewport) and every item of
the main navigation (sign up and the theme toggle included) must lie on
screen. The dataset page is also checked at 320 px. Screenshots of every page
land in ``test-artifacts/screenshots/layout/`` (git-ignored).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from safedata.accounts.models import User
from safedata.voting.identity import Voter
from safedata.voting.services import cast_vote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots" / "layout"
PHONE = 390
DESKTOP = 1280
LONG_TITLE = (
    "An unusually long title for a document, with a Supercalifragilisticexpialidocious"
    "WordThatDoesNotBreak and more words after it"
)
LONG_TEXT = (
    "A text with a very long unbroken token in it: "
    + "https://example.org/"
    + "a-very-long-path-segment" * 12
    + "\n\n    and an indented line that must keep its indentation.\n"
    + "Ordinary sentences follow. " * 40
)

# (name, path, who opens it). {doc}, {user} and {version} come from the data below.
PAGES = [
    ("home", "/", "anonymous"),
    ("login", "/accounts/login/", "anonymous"),
    ("signup", "/accounts/signup/", "anonymous"),
    ("policy", "/policy/", "anonymous"),
    ("browse", "/documents/", "anonymous"),
    ("browse-filtered", "/documents/?label=great&sort=score", "anonymous"),
    ("document", "/documents/{doc}/", "anonymous"),
    ("review", "/review/", "anonymous"),
    ("dataset", "/dataset/", "anonymous"),
    ("snapshots", "/dataset/snapshots/", "anonymous"),
    ("dataset-card", "/dataset/snapshots/{version}/card/", "anonymous"),
    ("quality", "/quality/", "anonymous"),
    ("upload", "/upload/", "member"),
    ("bulk-upload", "/upload/bulk/", "member"),
    ("profile", "/accounts/profile/", "member"),
    ("tokens", "/accounts/tokens/", "member"),
    ("document-member", "/documents/{doc}/", "member"),
    ("review-member", "/review/", "member"),
    ("report", "/report/?document={doc}", "member"),
    ("moderation", "/moderation/", "moderator"),
    ("moderation-case", "/moderation/documents/{doc}/", "moderator"),
    ("moderation-user", "/moderation/users/{user}/", "moderator"),
    ("quarantine", "/quarantine/", "moderator"),
    ("review-moderator", "/review/", "moderator"),
]


@pytest.fixture
def site(
    uploader: User,
    member: User,
    moderator: User,
    make_document: Callable[..., Any],
    settings: Any,
    tmp_path: Path,
) -> dict[str, Any]:
    """A site with something on every page: documents, votes, a snapshot."""
    from safedata.datasets.snapshots import build_snapshot

    settings.SAFEDATA_SNAPSHOT_DIR = tmp_path / "snapshots"
    settings.SAFEDATA_VOTE_RATE_LIMIT = "10000/m"
    long_one = make_document(LONG_TEXT, title=LONG_TITLE)
    for n in range(12):
        document = make_document(f"Document {n}: plain, short and harmless.", title=f"Note {n}")
        for voter in range(3):
            cast_vote(document.pk, Voter(key=f"a:layout-{voter}"), ("great", "neutral")[n % 2])
    cast_vote(long_one.pk, Voter(key=member.voter_key, user=member), "great")
    snapshot = build_snapshot(actor=moderator)
    return {"doc": long_one.pk, "user": uploader.pk, "version": snapshot.version}


@pytest.fixture
def contexts(chromium: Browser, live_server: Any) -> Iterator[Callable[[str, int], Page]]:
    """A page for a persona at a width; contexts are reused and closed at the end."""
    opened: dict[tuple[str, int], BrowserContext] = {}

    def page_for(persona: str, width: int) -> Page:
        key = (persona, width)
        if key not in opened:
            phone = width < 800
            context = chromium.new_context(
                viewport={"width": width, "height": 844 if phone else 900},
                is_mobile=phone,
                has_touch=phone,
                color_scheme="light",
            )
            if persona != "anonymous":
                client = Client()
                client.force_login(User.objects.get(username=persona))
                cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
                context.add_cookies(
                    [
                        {
                            "name": django_settings.SESSION_COOKIE_NAME,
                            "value": cookie,
                            "url": live_server.url,
                        }
                    ]
                )
            opened[key] = context
        page = opened[key].pages[0] if opened[key].pages else opened[key].new_page()
        page.set_default_timeout(15_000)
        return page

    yield page_for
    for context in opened.values():
        context.close()


# Elements, and text sticking out of its element, that reach past the right edge.
WIDER_THAN = """w => {
  const wide = [...document.querySelectorAll("body *")]
    .filter(el => el.getBoundingClientRect().right > w + 1)
    .map(el => el.tagName + "." + el.className);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    if (range.getBoundingClientRect().right > w + 1) {
      wide.push("text in " + node.parentElement.tagName + ": " + node.textContent.slice(0, 30));
    }
  }
  return wide.slice(0, 6);
}"""


def overflow(page: Page, width: int) -> list[str]:
    """What sticks out to the right of the viewport: the document, or a nav item."""
    problems = []
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        wide = page.evaluate(WIDER_THAN, width)
        problems.append(f"scrollWidth {scroll_width} > {width}: {wide}")
    for item in page.locator(".nav-links > li").all():
        box = item.bounding_box()
        if box is None or box["x"] < 0 or box["x"] + box["width"] > width:
            problems.append(f"nav item off screen: {item.inner_text()!r} {box}")
    return problems


def visit(page: Page, url: str, name: str, width: int) -> list[str]:
    response = page.goto(url)
    assert response is not None
    assert response.status < 400, f"{name}: {response.status}"
    page.wait_for_load_state("networkidle")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    return [f"{name} at {width}px: {problem}" for problem in overflow(page, width)]


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_no_page_scrolls_sideways(
    width: int, site: dict[str, Any], contexts: Callable[[str, int], Page], live_server: Any
) -> None:
    problems: list[str] = []
    for name, path, persona in PAGES:
        url = live_server.url + path.format(**site)
        problems += visit(contexts(persona, width), url, name, width)
    assert not problems, "\n".join(problems)


def test_the_dataset_page_fits_320px(
    site: dict[str, Any], contexts: Callable[[str, int], Page], live_server: Any
) -> None:
    page = contexts("anonymous", 320)
    assert visit(page, f"{live_server.url}/dataset/", "dataset", 320) == []


def test_the_phone_nav_shows_every_link_and_the_toggle(
    site: dict[str, Any], contexts: Callable[[str, int], Page], live_server: Any
) -> None:
    page = contexts("anonymous", PHONE)
    page.goto(f"{live_server.url}/review/")
    for name in ("Review", "Browse", "Upload", "Dataset", "Log in", "Sign up"):
        expect(page.locator(".nav-links").get_by_role("link", name=name)).to_be_in_viewport()
    toggle = page.locator("[data-theme-toggle]")
    expect(toggle).to_be_in_viewport()
    toggle.tap()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.locator(".nav-links").get_by_role("link", name="Sign up").tap()
    page.wait_for_url("**/accounts/signup/")


def test_the_after_vote_strip_holds_a_long_title_on_a_phone(
    site: dict[str, Any], contexts: Callable[[str, int], Page], live_server: Any
) -> None:
    page = contexts("anonymous", PHONE)
    page.goto(f"{live_server.url}/review/?show={site['doc']}")
    stage = page.locator("[data-review-stage]")
    expect(stage).to_have_attribute("data-ready", "true")
    expect(stage.locator(".review-title")).to_have_text(LONG_TITLE)
    stage.locator(".vote-great").tap()
    strip = page.locator(".reveal")
    expect(strip).to_contain_text("You rated")
    feedback = page.locator(".review-feedback")
    sizes = feedback.evaluate(
        """el => { const r = el.querySelector('.reveal');
            return [r.scrollWidth, r.clientWidth, r.getBoundingClientRect().right,
                    el.scrollHeight, el.clientHeight]; }"""
    )
    assert sizes[0] <= sizes[1], sizes
    assert sizes[2] <= PHONE, sizes
    assert sizes[3] <= sizes[4], sizes
    expect(strip.get_by_role("button", name="Undo")).to_be_in_viewport()
    page.screenshot(path=str(SHOTS / f"review-after-vote-{PHONE}.png"))
    assert overflow(page, PHONE) == []
