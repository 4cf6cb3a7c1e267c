"""What the documentation shows is what the code does: command options, unvoted confidence."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from django.test import Client

from safedata.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
_BLOCK = re.compile(r"```(?:sh|bash|console)\n(.*?)```", re.DOTALL)


def shell_commands(text: str) -> Iterator[list[str]]:
    """Each ``safedata …`` command line of the shell blocks, continuations joined."""
    for block in _BLOCK.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" # ")[0].strip().removeprefix("$ ")
            if line.startswith("safedata "):
                yield shlex.split(line)


def resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    """The command ``words`` names and the words left for its options."""
    command: click.Command = main
    rest = words[1:]
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        sub = command.get_command(click.Context(command), rest[0])
        assert sub is not None, f"no command {' '.join(words[: len(words) - len(rest) + 1])!r}"
        command, rest = sub, rest[1:]
    return command, rest


EXAMPLES = [
    (path.relative_to(ROOT).as_posix(), words)
    for path in DOCS
    for words in shell_commands(path.read_text(encoding="utf-8"))
]


def test_the_docs_show_commands() -> None:
    assert any(words[:3] == ["safedata", "export", "classify"] for _, words in EXAMPLES)


@pytest.mark.parametrize(("doc", "words"), EXAMPLES, ids=[" ".join(w) for _, w in EXAMPLES])
def test_every_option_in_the_docs_exists(doc: str, words: list[str]) -> None:
    command, rest = resolve(words)
    if command.context_settings.get("ignore_unknown_options"):
        return  # passes its options through (serve, manage)
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    known |= {"--help", "-h"}
    for word in rest:
        option = word.split("=")[0]
        if option.startswith("-"):
            assert option in known, f"{doc}: `{' '.join(words)}`: {command.name} has no {option}"


def test_unvoted_confidence_in_the_docs_is_what_the_api_serves(
    client: Client, make_document: Callable[..., Any]
) -> None:
    document = make_document("Nobody has voted on this one yet.")
    served = client.get(f"/api/v1/documents/{document.pk}").json()["consensus"]["confidence"]
    consensus_md = (ROOT / "docs" / "consensus.md").read_text(encoding="utf-8")
    stated = re.search(r"never been voted on[^.]*?confidence \*\*([0-9.]+)\*\*", consensus_md)
    assert stated, "docs/consensus.md no longer says what an unvoted document's confidence is"
    assert float(stated.group(1)) == served == 0.0
