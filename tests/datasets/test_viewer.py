"""The dataset page as a data viewer: keyset pages, summaries, charts, download counts, cards."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from dataset_helpers import bearer
from django.test import Client
from django.utils import timezone

from safedata.datasets import services, viewer
from safedata.datasets.exporters.sft import SftOptions
from safedata.datasets.models import Snapshot
from safedata.documents.filters import DocumentFilter
from safedata.documents.models import Document

URL = "/dataset/"


@pytest.fixture
def many(make_document: Callable[..., Document], rate: Callable[..., Document]) -> list[Document]:
    """120 documents: every third rated great by 4 voters, the rest unvoted."""
    docs = [make_document(f"Row {n:03d}: a text about apples and pears.") for n in range(120)]
    for doc in docs[::3]:
        rate(doc, great=4)
    return docs


def page_ids(response: Any) -> list[int]:
    return [row["id"] for row in response.context["page"].rows]


def follow(client: Client, response: Any, rel: str) -> Any:
    link = re.search(rf'<a rel="{rel}" href="([^"]+)"', response.content.decode())
    assert link, f"no {rel} link"
    return client.get(URL + link.group(1).replace("&amp;", "&"))


def test_pages_walk_the_whole_view_by_keyset(client: Client, many: list[Document]) -> None:
    response = client.get(URL)
    seen = page_ids(response)
    assert "Rows 1–50 of 120" in response.content.decode()
    assert 'rel="prev"' not in response.content.decode()
    while 'rel="next"' in response.content.decode():
        response = follow(client, response, "next")
        seen += page_ids(response)
    assert seen == sorted(d.pk for d in many)
    assert "Rows 101–120 of 120" in response.content.decode()
    back = follow(client, response, "prev")
    assert page_ids(back) == seen[50:100]
    assert "Rows 51–100 of 120" in back.content.decode()


def test_pages_keep_the_filters(client: Client, many: list[Document]) -> None:
    first = client.get(URL, {"label": "great", "min_votes": "1"})
    assert first.context["page"].total == 40
    assert "Rows 1–40 of 40" in first.content.decode()
    assert 'rel="next"' not in first.content.decode()
    rows = viewer.page(DocumentFilter(label="great", min_votes=1), size=15)
    second = viewer.page(DocumentFilter(label="great", min_votes=1), after=rows.next, size=15)
    assert (second.first, second.last, second.previous) == (16, 30, second.rows[0]["id"])
    assert all(row["label"] == "great" for row in second.rows)


@pytest.mark.parametrize("cursor", ["abc", "-1", "1e3", "١٢", "9" * 30])
def test_a_bad_cursor_is_a_400_page(client: Client, many: list[Document], cursor: str) -> None:
    response = client.get(URL, {"after": cursor})
    assert response.status_code == 400
    assert "after must be a document id" in response.content.decode()


def test_unvoted_rows_say_no_votes(client: Client, corpus: dict[str, Any]) -> None:
    response = client.get(URL, {"q": "nobody"})
    row = response.context["page"].rows[0]
    assert row["id"] == corpus["unrated"].pk
    html = response.content.decode()
    table = html[html.index('<table class="table viewer') :]
    assert "no votes" in table
    assert "neutral" not in table.split("</tr>")[1]  # the row, past the header
    assert "0.00" not in table


def test_summaries_and_charts_count_the_whole_view(client: Client, many: list[Document]) -> None:
    summary = viewer.summarize(DocumentFilter())
    charts = {chart.key: chart for chart in summary.charts}
    labels = {bar.name: bar.count for bar in charts["label"].bars}
    assert labels == {"Unsafe": 0, "Neutral": 0, "Great": 40, "No votes": 80}
    votes = {bar.name: bar.count for bar in charts["votes"].bars}
    assert votes == {"0": 80, "1": 0, "2": 0, "3–4": 40, "5–9": 0, "10+": 0}
    assert sum(bar.count for bar in charts["status"].bars) == 120
    assert summary.votes_max == 4
    html = client.get(URL).content.decode()
    assert html.count("<svg") == 3
    assert 'width="60.0"' in html  # 40 of 120 great: a third of the 180-unit track
    assert "style=" not in html


def test_download_links_show_their_counts(
    client: Client, many: list[Document], member: Any
) -> None:
    client.force_login(member)
    html = client.get(URL, {"label": "great", "min_votes": "1"}).content.decode()
    assert re.search(
        r'format=parquet[^"]*" download>parquet</a> <span class="count">40 documents', html
    )
    counts = viewer.sft_counts()
    assert sum(counts.values()) == 40
    assert f"{counts['train']} documents" in html


def test_an_empty_preset_split_has_no_link_and_says_why(
    client: Client, corpus: dict[str, Any], member: Any
) -> None:
    client.force_login(member)
    assert viewer.sft_counts() == {"train": 1, "validation": 0}
    html = client.get(URL).content.decode()
    assert "split=train" in html
    assert "split=validation" not in html
    assert "no document meets the preset in this split yet" in html
    response = client.get("/api/v1/exports/sft?split=validation&format=jsonl")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "empty_split"
    assert "validation split" in response.json()["error"]["message"]
    assert client.get("/api/v1/exports/sft?split=train&format=jsonl").status_code == 200


def test_preset_counts_follow_new_votes(
    corpus: dict[str, Any], rate: Callable[..., Document]
) -> None:
    before = viewer.sft_counts(SftOptions())
    rate(corpus["neutral"], great=9)
    assert sum(viewer.sft_counts(SftOptions()).values()) == sum(before.values()) + 1


def test_anonymous_sees_counts_and_the_token_page_link(
    client: Client, corpus: dict[str, Any]
) -> None:
    html = client.get(URL).content.decode()
    assert "needs a free account" in html
    assert "(4 documents in this view)" in html
    assert 'href="/accounts/tokens/"' in html


def test_member_token_link_goes_to_the_token_page(
    client: Client, corpus: dict[str, Any], member: Any
) -> None:
    client.force_login(member)
    html = client.get(URL).content.decode()
    assert '<a href="/accounts/tokens/">personal API token</a>' in html


def test_search_on_the_dataset_page_marks_snippets(client: Client, corpus: dict[str, Any]) -> None:
    response = client.get(URL, {"q": "argon"})
    assert page_ids(response) == [corpus["great"].pk]
    assert "<mark>argon2id</mark>" in response.content.decode()


@pytest.fixture
def published(corpus: dict[str, Any]) -> Any:
    return services.build_snapshot("v1")


def test_the_dataset_card_is_a_page(client: Client, published: Any, snapshot_dir: Path) -> None:
    readme = snapshot_dir / "v1" / "README.md"
    response = client.get("/dataset/snapshots/v1/card/")
    assert response.status_code == 200
    html = response.content.decode()
    first_heading = next(line for line in readme.read_text().splitlines() if line.startswith("# "))
    assert f"<h1>{first_heading[2:]}</h1>" in html
    assert "<hr />" not in html.split("dataset-card")[1]  # the front matter is not Markdown
    assert "<summary>Metadata (YAML front matter" in html
    assert "license: other" in html
    assert (
        'href="/dataset/snapshots/v1/card/"' in client.get("/dataset/snapshots/").content.decode()
    )
    assert client.get("/dataset/snapshots/v9/card/").status_code == 404


@pytest.fixture
def hand_made(db: None, snapshot_dir: Path) -> Snapshot:
    """A published snapshot of nothing but a card, written by hand."""
    (snapshot_dir / "v1").mkdir(parents=True)
    now = timezone.now()
    return Snapshot.objects.create(
        version="v1",
        created_at=now,
        published_at=now,
        status=Snapshot.Status.PUBLISHED,
        consensus_method="dirichlet-v1",
        code_version="test",
        manifest={"files": [{"path": "README.md", "format": "markdown", "sha256": "0" * 64}]},
    )


def test_the_card_renders_markdown_without_raw_html(
    client: Client, hand_made: Snapshot, snapshot_dir: Path
) -> None:
    readme = snapshot_dir / "v1" / "README.md"
    readme.write_text(
        "# Card\n\n<script>alert(1)</script>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "[x](javascript:alert(1)) **bold**\n",
        encoding="utf-8",
    )
    html = client.get("/dataset/snapshots/v1/card/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<td>1</td>" in html
    assert 'href="javascript:' not in html
    assert "<strong>bold</strong>" in html


@pytest.mark.parametrize("url", ["/api/v1/dataset", "/api/v1/dataset/preview"])
def test_head_answers_like_get_without_a_body(
    client: Client, corpus: dict[str, Any], member_token: str, url: str
) -> None:
    get = client.get(url, **bearer(member_token))
    head = client.head(url, **bearer(member_token))
    assert head.status_code == get.status_code == 200
    assert head["Content-Type"] == get["Content-Type"]
    assert head.content == b""


def test_head_without_credentials_is_the_json_401(client: Client, db: None) -> None:
    head = client.head("/api/v1/dataset")
    assert head.status_code == 401
    assert head["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("name", ["token", "access_token", "api_key", "key"])
def test_token_in_url_is_the_same_400_signed_in_or_not(
    client: Client, member: Any, member_token: str, name: str
) -> None:
    urls = ["/api/v1/dataset", "/api/v1/dataset/preview", "/api/v1/exports/sft"]
    answers = []
    for url in urls:
        answers.append(client.get(url, {name: member_token}))
        client.force_login(member)
        answers.append(client.get(url, {name: member_token}))
        client.logout()
    for response in answers:
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "token_in_url"
        assert "Authorization: Bearer" in response.json()["error"]["message"]
