"""Refit speed: consensus v2 against crowd-kit's DawidSkene on the same generated votes.

Generates 1,000,000 votes on 100,000 documents by 20,000 voters (true shares
unsafe .30 / neutral .45 / great .25; voters careful .85, careless .60 and 20 %
spammers; 20 % anonymous; 10 % of votes cast after the tally was visible), then
fits ``dawid-skene-v2`` and crowd-kit's ``DawidSkene`` side by side and prints
seconds (wall and process CPU: on a shared machine the CPU time is the steadier
figure), their ratio, EM iterations, accuracy and peak memory.

The votes come from ``generated_votes``; reading them from the database and
writing the documents back is the web app's ``safedata consensus recompute``,
which can time itself around the same ``fit`` call.

    .venv/bin/python benchmarks/consensus_refit.py [--votes 1000000 --docs 100000 --voters 20000]
    .venv/bin/python benchmarks/consensus_refit.py --no-crowdkit
"""

from __future__ import annotations

import argparse
import resource
import time
import warnings

import numpy as np
from numpy.typing import NDArray

from safedata.consensus.dawid_skene import DawidSkeneParams, fit
from safedata.consensus.votes import Votes


def generated_votes(
    n_votes: int, n_docs: int, n_voters: int, seed: int = 0
) -> tuple[Votes, NDArray[np.int64]]:
    """Votes with known truth; each (document, voter) pair at most once."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(3, n_docs, p=[0.30, 0.45, 0.25])
    pairs = np.unique(rng.integers(0, n_docs * n_voters, int(n_votes * 1.02)))
    pairs = rng.permutation(pairs)[:n_votes]
    doc, voter = pairs // n_voters, pairs % n_voters
    kind = rng.choice(4, n_voters, p=[0.56, 0.24, 0.10, 0.10])  # careful, careless, const, random
    accuracy = np.where(kind[voter] == 0, 0.85, 0.60)
    true = truth[doc]
    rating = np.where(
        rng.random(doc.size) < accuracy, true, (true + rng.integers(1, 3, doc.size)) % 3
    )
    rating = np.where(kind[voter] == 2, voter % 3, rating)
    rating = np.where(kind[voter] == 3, rng.integers(0, 3, doc.size), rating)
    anonymous = (rng.random(n_voters) < 0.2).astype(np.int64)
    votes = Votes.from_arrays(
        doc,
        voter,
        rating,
        voter_class=anonymous[voter],
        independent=rng.random(doc.size) < 0.9,
        n_docs=n_docs,
        n_voters=n_voters,
    )
    return votes, truth


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def crowd_kit_fit(votes: Votes) -> tuple[float, float, NDArray[np.int64]]:
    import pandas as pd
    from crowdkit.aggregation import DawidSkene

    frame = pd.DataFrame({"task": votes.doc, "worker": votes.voter, "label": votes.rating})
    started, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = DawidSkene(n_iter=100).fit_predict(frame)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    labels = np.full(votes.n_docs, 1)
    labels[result.index.to_numpy(dtype=np.int64)] = result.to_numpy(dtype=np.int64)
    return seconds, cpu, labels


def size_parser(description: str | None) -> argparse.ArgumentParser:
    """Command line with the sizes of ``generated_votes`` (shared by consensus_refit_db.py)."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--voters", type=int, default=20_000)
    return parser


def main() -> None:
    parser = size_parser(__doc__)
    parser.add_argument("--no-crowdkit", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    votes, truth = generated_votes(args.votes, args.docs, args.voters)
    print(
        f"generated {votes.size:,} votes, {votes.n_docs:,} documents, {votes.n_voters:,} voters "
        f"in {time.perf_counter() - started:.1f} s; peak RSS {peak_rss_mib():.0f} MiB"
    )
    cpu = time.process_time()
    result = fit(votes, DawidSkeneParams())
    cpu = time.process_time() - cpu
    accuracy = float((result.table["label"] == truth).mean())
    print(
        f"v2 fit: {result.seconds:.2f} s ({cpu:.2f} s CPU), {result.iterations} EM steps "
        f"(converged: {result.converged}), accuracy {100 * accuracy:.2f} %; "
        f"peak RSS {peak_rss_mib():.0f} MiB"
    )
    if args.no_crowdkit:
        return
    seconds, ck_cpu, labels = crowd_kit_fit(votes)
    print(
        f"crowd-kit DawidSkene (n_iter=100): {seconds:.2f} s ({ck_cpu:.2f} s CPU), accuracy "
        f"{100 * float((labels == truth).mean()):.2f} %; peak RSS {peak_rss_mib():.0f} MiB"
    )
    print(f"ratio crowd-kit / v2: {seconds / result.seconds:.1f}× wall, {ck_cpu / cpu:.1f}× CPU")


if __name__ == "__main__":
    main()
