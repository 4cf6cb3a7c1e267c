"""``safedata consensus``: the consensus of every document, from the command line."""

from __future__ import annotations

import click

from safedata.bootstrap import setup_django


@click.group()
def consensus() -> None:
    """Refit the consensus on all votes (see docs/consensus.md)."""


@consensus.command()
def recompute() -> None:
    """Refit the configured consensus method on every vote and update every document.

    Under dawid-skene-v2 this learns each voter's reliability from the
    independent votes, stores it for the vote path, and writes each document's
    label, score, interval and status back in batches (only the documents whose
    values changed). It is safe while voting goes on: a document whose votes
    changed during the run is recounted under its row lock instead of overwritten.
    Under dirichlet-v1 it recounts every document. Schedule it
    (docs/deployment.md); it prints its timings.
    """
    setup_django()
    from safedata.voting.refit import recompute as run

    report = run(click.echo)
    cpu = sum(report.cpu_s)
    click.echo(
        f"Recomputed {report.documents:,} documents from {report.votes:,} votes by "
        f"{report.voters:,} voters: {report.iterations} iterations"
        f"{'' if report.converged else ' (not converged)'}, read {report.read_s:.2f} s, "
        f"fit {report.fit_s:.2f} s, store {report.store_s:.2f} s, "
        f"write {report.write_s:.2f} s, total {report.total_s:.2f} s ({cpu:.2f} s CPU in "
        f"this process, peak RSS {report.peak_rss_mib:.0f} MiB); {report.written:,} written, "
        f"{report.unchanged:,} unchanged, {report.recounted:,} recounted (changed meanwhile)."
    )
