"""Write ``docs/cli.md`` from the real ``--help`` output: ``python -m safedata.cli_docs``.

``tests/test_cli_docs.py`` regenerates the text and compares, so the reference
cannot drift from the code.
"""

from __future__ import annotations

import click

from safedata.cli import main

_HEADER = """# Command-line reference

Generated from the real `--help` output by `make docs-cli`
(`python -m safedata.cli_docs > docs/cli.md`); a test fails when it drifts.
Every command is `safedata <command>`; `safedata --help` lists them.
"""


def _help_text(command: click.Command, path: list[str], parent: click.Context | None) -> str:
    ctx = click.Context(
        command, info_name=" ".join(path), parent=None, terminal_width=100, max_content_width=100
    )
    del parent
    return command.get_help(ctx)


def _sections(command: click.Command, path: list[str]) -> list[str]:
    title = "#" * min(len(path) + 1, 4)
    parts = [f"{title} `{' '.join(path)}`\n\n```text\n{_help_text(command, path, None)}\n```\n"]
    if isinstance(command, click.Group):
        ctx = click.Context(command, info_name=path[-1])
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                parts.extend(_sections(sub, [*path, name]))
    return parts


def render() -> str:
    """The whole reference as Markdown."""
    return _HEADER + "\n" + "\n".join(_sections(main, ["safedata"]))


if __name__ == "__main__":
    click.echo(render(), nl=False)
