"""Every environment variable the settings read is documented, and nothing stale is."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"
_PROBE = "import json, safedata.settings, safedata.env as e; print(json.dumps(sorted(e.READ)))"


def names_read_by_settings() -> set[str]:
    # A fresh interpreter, so variables read by other tests do not leak in.
    out = subprocess.run([sys.executable, "-c", _PROBE], check=True, capture_output=True, text=True)
    return set(json.loads(out.stdout))


def documented_names() -> set[str]:
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", DOCS.read_text(), flags=re.MULTILINE))


def test_settings_docs_match_the_settings_read() -> None:
    read, documented = names_read_by_settings(), documented_names()
    assert read, "the probe read no settings"
    assert not read - documented, f"undocumented in docs/settings.md: {sorted(read - documented)}"
    assert not documented - read, f"stale in docs/settings.md: {sorted(documented - read)}"
