"""False positives and speed of the policy screening checks on ordinary prose.

    .venv/bin/python benchmarks/screening_fp.py            # the figures in docs/moderation.md
    .venv/bin/python benchmarks/screening_fp.py --json     # machine-readable (the test uses it)

The corpus is prose that ships here, none of it written for this benchmark:

- ``project-docs``: this project's own ``README.md``, ``CONTRIBUTING.md`` and ``docs/*.md``;
- ``licences``: every licence text shipped in the installed packages' ``*.dist-info``;
- ``sklearn-descr``: the descriptions of scikit-learn's bundled data sets.

Each file is split into paragraphs (blank-line separated, code fences dropped as they
are not prose). For every corpus and check it prints paragraphs scanned, paragraphs
flagged and the rate, then the time ``find_policy_issues`` takes per 4 KB of prose
(the corpus cut into 4 KB documents), in total and per check. ``--show`` prints the
flagged paragraphs' locations and the check, never the matched text.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import sysconfig
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from safedata.screening.policy import PolicyCheck, find_policy_issues, policy_checks
from safedata.screening.policy.prose import CODE_LINE_CHARS, symbol_share

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(sysconfig.get_paths()["purelib"])
DOC_BYTES = 4096
_FENCE = re.compile(r"^```.*?^```[^\n]*$", re.MULTILINE | re.DOTALL)


def corpus_files() -> dict[str, list[Path]]:
    """The files of each corpus, sorted so every run scans the same text."""
    docs = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
    licences = sorted(
        path
        for pattern in (
            "*.dist-info/LICEN[CS]E*",
            "*.dist-info/licenses/**/*",
            "*.dist-info/COPYING*",
        )
        for path in SITE.glob(pattern)
        if path.is_file()
    )
    descr = sorted((SITE / "sklearn" / "datasets" / "descr").glob("*.rst"))
    return {"project-docs": docs, "licences": licences, "sklearn-descr": descr}


def paragraphs(path: Path) -> list[str]:
    """The prose paragraphs of one file (code fences removed)."""
    text = _FENCE.sub("", path.read_text(encoding="utf-8", errors="replace"))
    return [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]


def false_positives(show: bool) -> dict[str, dict[str, int]]:
    """``{corpus: {"paragraphs": n, check: flagged, ...}}``."""
    results: dict[str, dict[str, int]] = {}
    for corpus, files in corpus_files().items():
        counts: Counter[str] = Counter()
        for path in files:
            for number, paragraph in enumerate(paragraphs(path), start=1):
                counts["paragraphs"] += 1
                findings = find_policy_issues(paragraph)
                counts.update(finding.check for finding in findings)
                counts["any"] += bool(findings)
                for finding in findings if show else []:
                    where = path.relative_to(SITE if SITE in path.parents else ROOT)
                    print(f"  {corpus}: {where} paragraph {number}: {finding.check}")
        results[corpus] = dict(counts)
    return results


def four_kb_documents() -> list[str]:
    """The whole corpus cut into documents of about 4 KB, at paragraph ends."""
    documents, current = [], ""
    for files in corpus_files().values():
        for path in files:
            for paragraph in paragraphs(path):
                current += paragraph + "\n\n"
                if len(current.encode()) >= DOC_BYTES:
                    documents.append(current)
                    current = ""
    return documents


def thresholds() -> dict[str, float]:
    """The figures the not-prose thresholds were set from.

    The densest long line of the prose corpus against the sparsest long line of the
    minified scripts shipped in installed packages; the longest base64-alphabet run in
    the prose.
    """
    prose = [p for files in corpus_files().values() for path in files for p in paragraphs(path)]
    lines = [line for p in prose for line in p.split("\n") if len(line) >= CODE_LINE_CHARS]
    minified = [
        line
        for path in sorted(SITE.glob("**/*.min.js"))
        for line in path.read_text(encoding="utf-8", errors="replace").split("\n")
        if len(line) >= CODE_LINE_CHARS
    ]
    runs = [len(m.group()) for p in prose for m in re.finditer(r"[A-Za-z0-9+/]+", p)]
    return {
        "prose_long_lines": len(lines),
        "prose_max_symbol_share": max((symbol_share(line) for line in lines), default=0.0),
        "minified_long_lines": len(minified),
        "minified_min_symbol_share": min((symbol_share(line) for line in minified), default=1.0),
        "prose_longest_base64_run": max(runs, default=0),
    }


def timings(documents: list[str], repeats: int = 3) -> dict[str, float]:
    """Microseconds per 4 KB document, for all checks together and for each one.

    The best of ``repeats`` passes: the machine is shared, and the minimum is the figure
    least disturbed by other work. The baseline is one ``re.findall(r"\\w+")`` pass over
    the same document, to read the figures against on another machine.
    """
    checks = {
        "baseline": _words,
        "all": find_policy_issues,
        **{name: _spans_of(cls()) for name, cls in sorted(policy_checks().items())},
    }
    result = {}
    for name, run in checks.items():
        passes = []
        for _ in range(repeats):
            started = time.perf_counter()
            for document in documents:
                run(document)
            passes.append(time.perf_counter() - started)
        result[name] = min(passes) / len(documents) * 1e6
    return result


def _words(text: str) -> object:
    return re.findall(r"\w+", text)


def _spans_of(check: PolicyCheck) -> Callable[[str], object]:
    return lambda text: list(check.spans(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--show", action="store_true", help="list flagged paragraphs")
    parser.add_argument("--no-timing", action="store_true", help="skip the timing")
    args = parser.parse_args()
    results: dict[str, object] = {
        "false_positives": false_positives(args.show),
        "thresholds": thresholds(),
    }
    if not args.no_timing:
        documents = four_kb_documents()
        results["documents_4kb"] = len(documents)
        results["us_per_4kb"] = timings(documents)
    if args.json:
        json.dump(results, sys.stdout)
        return
    _print_table(results)


def _print_table(results: dict[str, object]) -> None:
    fps = results["false_positives"]
    assert isinstance(fps, dict)
    checks = ["any", *sorted(policy_checks())]
    print(f"{'check':<22}" + "".join(f"{corpus:>24}" for corpus in fps))
    print(f"{'paragraphs':<22}" + "".join(f"{c['paragraphs']:>24}" for c in fps.values()))
    for check in checks:
        cells = [
            f"{c.get(check, 0)} ({c.get(check, 0) / c['paragraphs']:.2%})" for c in fps.values()
        ]
        print(f"{check:<22}" + "".join(f"{cell:>24}" for cell in cells))
    print("\nthresholds (not prose):")
    for name, value in dict(results["thresholds"]).items():  # type: ignore[call-overload]
        print(f"  {name:<28}{value:>10.3f}")
    timing = results.get("us_per_4kb")
    if isinstance(timing, dict):
        print(f"\ntime per 4 KB document ({results['documents_4kb']} documents), microseconds:")
        for check, micros in timing.items():
            print(f"  {check:<22}{micros:>10.0f}{micros / timing['baseline']:>8.1f}x baseline")


if __name__ == "__main__":
    main()
