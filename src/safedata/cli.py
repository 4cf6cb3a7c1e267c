"""The ``safedata`` command: one entry point for the dataset, the classifier and the site.

Subcommands are loaded lazily, so ``safedata --help`` stays fast and the pure
commands (train, evaluate, score) never import Django.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from safedata import __version__
from safedata.bootstrap import setup_django

COMMANDS: dict[str, str] = {
    "train": "safedata.classify.commands:train",
    "evaluate": "safedata.classify.commands:evaluate",
    "score": "safedata.classify.commands:score",
    "snapshot": "safedata.datasets.commands:snapshot",
    "export": "safedata.datasets.commands:export",
    "demo": "safedata.demo.commands:demo",
    "consensus": "safedata.voting.commands:consensus",
    "serve": "safedata.cli:serve",
    "manage": "safedata.cli:manage",
}
"""Subcommand name -> ``module:attribute`` of its ``click.Command``."""


class LazyGroup(click.Group):
    """A group whose commands are imported only when they run or show help."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="safedata")
def main() -> None:
    """Safe Training Data: community-rated text for training safe language models.

    Build dataset snapshots and exports, train a classifier on the ratings,
    and score large corpora locally or on a Ray cluster.

    Commands that use the database (snapshot, export, demo) find it as the
    server does: SQLite at $SAFEDATA_DATA_DIR/safedata.sqlite3
    (SAFEDATA_DATA_DIR defaults to ./var, in the current folder), or the
    database named by DATABASE_URL. Where there is no migrated database they
    say so in one line, exit with status 1 and create nothing.
    """


@click.command(context_settings={"ignore_unknown_options": True})
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option("--workers", default=3, show_default=True, help="gunicorn worker processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Migrate the database and serve the site with gunicorn (production-style)."""
    setup_django(require_database=False)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    os.execvp(  # noqa: S606 - replaces this process with gunicorn on purpose
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "safedata.wsgi",
            "-b",
            f"{host}:{port}",
            "-w",
            str(workers),
        ],
    )


@click.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command (for example: safedata manage createsuperuser)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safedata.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["safedata manage", *args])


if __name__ == "__main__":
    main()
