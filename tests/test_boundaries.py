"""Pure packages never import Django, so ML users can install them without the server;
the apps keep the layers declared in pyproject.toml ([tool.importlinter])."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PURE_PACKAGES = [
    "safedata.consensus",
    "safedata.records",
    "safedata.screening",
    "safedata.classify",
    "safedata.env",
]


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_package_does_not_import_django(package: str) -> None:
    probe = (
        "import importlib, pkgutil, sys\n"
        f"pkg = importlib.import_module({package!r})\n"
        "for mod in pkgutil.walk_packages(getattr(pkg, '__path__', []), pkg.__name__ + '.'):\n"
        "    importlib.import_module(mod.name)\n"
        "print('django' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False", f"{package} imports Django"


def test_declared_layers_are_kept() -> None:
    """The import-linter contracts hold (``make lint`` runs the same check)."""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Apps and shared modules form layers" in out.stdout
    assert "Pure packages import no Django" in out.stdout
