"""``safedata demo``: load the built-in sample data, or clear it away."""

from __future__ import annotations

import click

from safedata.bootstrap import setup_django


@click.group()
def demo() -> None:
    """Built-in sample data for trying the site on an empty database.

    About sixty short documents written for this project (CC0 1.0), from
    clearly helpful through neutral to unhelpful, uploaded by a "demo"
    account that cannot sign in, with simulated votes by voters named
    demo:reviewer-N. Staff can also load it from the home page of an empty
    site.
    """


@demo.command()
def load() -> None:
    """Load the sample documents and their simulated votes.

    Goes through the real upload and vote services (screening, consensus,
    audit log). Running it again adds nothing.
    """
    setup_django()
    from safedata.demo.services import DemoError, load_sample
    from safedata.documents.services import UploadError
    from safedata.ratelimit import RateLimited

    try:
        report = load_sample()
    except (DemoError, UploadError, RateLimited) as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Sample loaded: {report.documents_created} new documents, "
        f"{report.votes_cast} simulated votes; {report.documents_total} sample documents in all."
    )


@demo.command()
def clear() -> None:
    """Remove every sample document, every vote on them, and the demo account.

    Members' own documents and votes are left as they are.
    """
    setup_django()
    from safedata.demo.services import DemoError, clear_sample

    try:
        report = clear_sample()
    except DemoError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Sample cleared: {report.documents_removed} documents and "
        f"{report.votes_removed} votes removed."
    )
