"""Consensus methods against known truth: a spam grid, brigades and consensus-followers.

Synthetic documents with known true labels (unsafe .30, neutral .45, great .25)
are rated by a pool of 500 voters: honest voters (70 % careful, accuracy .85; 30 %
careless, .60; errors spread evenly) and spammers (half constant, one fixed label
each; half uniformly random), the spam share being the share of spammers in the
pool. Each of 5,000 documents gets k distinct voters. The grid is 0/10/30/50 %
spam × k = 3/5/10; every method sees the same votes in a cell:

* majority vote (ties to neutral, then unsafe), ``dirichlet-v1``, ``dawid-skene-v2``;
* crowd-kit's DawidSkene, GLAD and MACE (reference implementations, the ``bench`` extra).

Then the attacks, on 50 ``great`` documents that got 5 honest account votes each:

* a brigade: 20 fresh anonymous identities vote ``unsafe`` on each target. In this
  pure model one client address and 20 addresses are the same thing (a fresh
  anonymous identity); the address only matters to the web app's defences;
* consensus-followers: 20 fresh identities read the published label of 100
  settled documents each and vote along (building reputation), then vote
  ``unsafe`` on the targets.

Each attack reports flips (target no longer labelled great) live — v2 updating
each target from its votes with the weights of the last refit, v1 and majority
from counts — and after a refit of every method on all votes.

Every vote goes through one function, ``BallotBox.cast``, which also decides
whether the vote was independent (its document still needed votes). This run
is pure (``ArrayBallotBox``); a mode that casts through the web app's vote
service can replace that one class.

    .venv/bin/python benchmarks/consensus_sim.py                 # the full grid and the attacks
    .venv/bin/python benchmarks/consensus_sim.py --cells 30:5    # one cell
    .venv/bin/python benchmarks/consensus_sim.py --no-crowdkit   # ours only, seconds
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from safedata.consensus import Counts, Label, Status
from safedata.consensus import compute as dirichlet_compute
from safedata.consensus.dawid_skene import (
    DawidSkeneParams,
    Fit,
    LiveVote,
    document_consensus,
    fit,
)
from safedata.consensus.votes import VoterClass, Votes

SHARES = (0.30, 0.45, 0.25)
POOL = 500
DOCS = 5000
SPAM = (0, 10, 30, 50)
KS = (3, 5, 10)
CAREFUL, CARELESS = 0.85, 0.60
TARGETS, HONEST_ON_TARGET, BRIGADE, FOLLOWED = 50, 5, 20, 100
GREAT, UNSAFE = 2, 0
CK_METHODS = ("DawidSkene", "GLAD", "MACE")


@dataclass
class Pool:
    """Voter types: 0 careful, 1 careless, 2 constant spammer, 3 random spammer."""

    kind: NDArray[np.int64]
    constant: NDArray[np.int64]

    @classmethod
    def make(cls, spam_percent: int, rng: np.random.Generator) -> Pool:
        n_spam = round(POOL * spam_percent / 100)
        honest = np.where(rng.random(POOL - n_spam) < 0.7, 0, 1)
        spammers = np.where(np.arange(n_spam) < n_spam // 2, 2, 3)
        return cls(np.concatenate([honest, spammers]), rng.integers(0, 3, POOL))

    def rate(
        self, voter: NDArray[np.int64], truth: NDArray[np.int64], rng: np.random.Generator
    ) -> NDArray[np.int64]:
        accuracy = np.where(self.kind[voter] == 0, CAREFUL, CARELESS)
        wrong = (truth + rng.integers(1, 3, truth.size)) % 3
        rating = np.where(rng.random(truth.size) < accuracy, truth, wrong)
        rating = np.where(self.kind[voter] == 2, self.constant[voter], rating)
        return np.where(self.kind[voter] == 3, rng.integers(0, 3, truth.size), rating)


@dataclass
class ArrayBallotBox:
    """Collects votes in memory; the one place a vote is cast (a web mode replaces it)."""

    doc: list[NDArray[np.int64]] = field(default_factory=list)
    voter: list[NDArray[np.int64]] = field(default_factory=list)
    rating: list[NDArray[np.int64]] = field(default_factory=list)
    voter_class: list[NDArray[np.int64]] = field(default_factory=list)
    independent: list[NDArray[np.bool_]] = field(default_factory=list)

    def cast(
        self,
        doc: NDArray[np.int64],
        voter: NDArray[np.int64],
        rating: NDArray[np.int64],
        voter_class: VoterClass,
        independent: NDArray[np.bool_],
    ) -> None:
        self.doc.append(doc)
        self.voter.append(voter)
        self.rating.append(rating)
        self.voter_class.append(np.full(doc.size, int(voter_class)))
        self.independent.append(independent)

    def votes(self, n_docs: int, n_voters: int) -> Votes:
        return Votes.from_arrays(
            np.concatenate(self.doc),
            np.concatenate(self.voter),
            np.concatenate(self.rating),
            voter_class=np.concatenate(self.voter_class),
            independent=np.concatenate(self.independent),
            n_docs=n_docs,
            n_voters=n_voters,
        )


def distinct_voters(n_docs: int, k: int, pool: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """k distinct voters per document: the first k of a random permutation of the pool."""
    return np.argsort(rng.random((n_docs, pool)), axis=1)[:, :k]


def majority(votes: Votes) -> NDArray[np.int64]:
    counts = votes.counts().astype(float)
    counts[:, 1] += 2e-9  # ties to neutral, then to unsafe
    counts[:, 0] += 1e-9
    return np.argmax(counts, axis=1)


def dirichlet_labels(votes: Votes) -> NDArray[np.int64]:
    rows = [tuple(int(x) for x in row) for row in votes.counts()]
    cache = {row: dirichlet_compute(Counts(*row)).label for row in set(rows)}
    order = list(Label)
    return np.array([order.index(cache[row]) for row in rows])


def crowd_kit(votes: Votes, names: tuple[str, ...]) -> dict[str, NDArray[np.int64]]:
    import pandas as pd
    from crowdkit.aggregation import GLAD, MACE, DawidSkene

    makers = {"DawidSkene": lambda: DawidSkene(n_iter=100), "GLAD": GLAD, "MACE": MACE}
    live = votes.weight > 0
    frame = pd.DataFrame(
        {"task": votes.doc[live], "worker": votes.voter[live], "label": votes.rating[live]}
    )
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in names:
            result = makers[name]().fit_predict(frame)
            labels = np.full(votes.n_docs, 1)
            labels[result.index.to_numpy(dtype=np.int64)] = result.to_numpy(dtype=np.int64)
            out[name] = labels
    return out


def oracle(pool: Pool, votes: Votes) -> NDArray[np.int64]:
    """Bayes' rule with every voter's true matrix: the best any method can do on these votes."""
    matrices = np.zeros((POOL, 3, 3))
    for kind, accuracy in ((0, CAREFUL), (1, CARELESS)):
        off = (1 - accuracy) / 2
        matrices[pool.kind == kind] = np.full((3, 3), off) + np.eye(3) * (accuracy - off)
    constant = np.flatnonzero(pool.kind == 2)
    matrices[constant, :, pool.constant[constant]] = 1.0
    matrices[pool.kind == 3] = 1 / 3
    logs = np.log(np.maximum(matrices[votes.voter, :, votes.rating], 1e-12))
    total = np.stack([np.bincount(votes.doc, logs[:, k], votes.n_docs) for k in range(3)], axis=1)
    return np.argmax(total + np.log(SHARES), axis=1)


def all_methods(votes: Votes, ck: tuple[str, ...]) -> tuple[dict[str, NDArray[np.int64]], Fit]:
    v2 = fit(votes)
    labels = {"majority": majority(votes), "v1": dirichlet_labels(votes), "v2": v2.table["label"]}
    if ck:
        labels.update(crowd_kit(votes, ck))
    return labels, v2


@dataclass
class CrowdKitCache:
    """crowd-kit's accuracy per grid cell, kept in a JSON file between runs (``--ck-cache``).

    The votes of a cell depend only on the seed, the spam share and k, so a cached
    figure is crowd-kit's result on exactly the votes v2 sees in a later run.
    """

    path: str | None
    entries: dict[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | None) -> CrowdKitCache:
        try:
            with open(path or "", encoding="utf-8") as handle:
                return cls(path, json.load(handle))
        except FileNotFoundError:
            return cls(path)

    @staticmethod
    def key(seed: int, spam: int, k: int, method: str) -> str:
        return f"{seed}:{spam}:{k}:{method}"

    def missing(self, seed: int, spam: int, k: int, ck: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(m for m in ck if self.key(seed, spam, k, m) not in self.entries)

    def store(self, seed: int, spam: int, k: int, accuracy: dict[str, float]) -> None:
        self.entries.update({self.key(seed, spam, k, m): a for m, a in accuracy.items()})
        if self.path:
            with open(self.path, "w", encoding="utf-8") as handle:
                json.dump(self.entries, handle, indent=1, sort_keys=True)


def grid_cell(
    spam: int, k: int, seed: int, ck: tuple[str, ...], cache: CrowdKitCache | None = None
) -> tuple[dict[str, float], int, float]:
    rng = np.random.default_rng(seed)
    truth = rng.choice(3, DOCS, p=SHARES)
    pool = Pool.make(spam, rng)
    voters = distinct_voters(DOCS, k, POOL, rng)
    doc = np.repeat(np.arange(DOCS), k)
    box = ArrayBallotBox()
    rating = pool.rate(voters.ravel(), truth[doc], rng)
    box.cast(doc, voters.ravel(), rating, VoterClass.ACCOUNT, np.ones(doc.size, bool))
    votes = box.votes(DOCS, POOL)
    cache = cache or CrowdKitCache(None)
    labels, v2 = all_methods(votes, cache.missing(seed, spam, k, ck))
    labels["oracle"] = oracle(pool, votes)
    accuracy = {m: float((lab == truth).mean()) for m, lab in labels.items()}
    cache.store(seed, spam, k, {m: accuracy[m] for m in ck if m in accuracy})
    accuracy.update({m: cache.entries[cache.key(seed, spam, k, m)] for m in ck})
    return accuracy, v2.iterations, v2.seconds


def print_grid(
    cells: list[tuple[int, int]], seed: int, ck: tuple[str, ...], cache: CrowdKitCache
) -> None:
    methods = ["majority", "v1", "v2", *ck, "oracle"]
    print("## Accuracy against the truth (5,000 documents, pool of 500)\n")
    print("| spam | k | " + " | ".join(methods) + " | v2 − best crowd-kit | v2 EM steps |")
    print("|---:|---:|" + "---:|" * (len(methods) + 2))
    for spam, k in cells:
        acc, iterations, _ = grid_cell(spam, k, seed, ck, cache)
        best = max((acc[m] for m in ck), default=float("nan"))
        row = " | ".join(f"{100 * acc[m]:.1f}" for m in methods)
        print(
            f"| {spam} % | {k} | {row} | {100 * (acc['v2'] - best):+.1f} | {iterations} |",
            flush=True,
        )


@dataclass
class Scene:
    """Background documents and voters, plus 50 great targets with 5 honest account votes."""

    box: ArrayBallotBox
    truth: NDArray[np.int64]
    targets: NDArray[np.int64]
    agreeing: NDArray[np.bool_]
    """Targets whose 5 account votes all say great."""
    n_docs: int
    next_voter: int


def build_scene(seed: int, background: int = 3000, spam: int = 10, k: int = 5) -> Scene:
    rng = np.random.default_rng(seed)
    truth = np.concatenate([rng.choice(3, background, p=SHARES), np.full(TARGETS, GREAT)])
    pool = Pool.make(spam, rng)
    honest = np.flatnonzero(pool.kind < 2)
    box = ArrayBallotBox()
    voters = distinct_voters(background, k, POOL, rng).ravel()
    doc = np.repeat(np.arange(background), k)
    box.cast(
        doc, voters, pool.rate(voters, truth[doc], rng), VoterClass.ACCOUNT, np.ones(doc.size, bool)
    )
    targets = background + np.arange(TARGETS)
    on_target = honest[distinct_voters(TARGETS, HONEST_ON_TARGET, honest.size, rng)].ravel()
    doc = np.repeat(targets, HONEST_ON_TARGET)
    rating = pool.rate(on_target, truth[doc], rng)
    box.cast(doc, on_target, rating, VoterClass.ACCOUNT, np.ones(doc.size, bool))
    agreeing = (rating.reshape(TARGETS, HONEST_ON_TARGET) == GREAT).all(axis=1)
    return Scene(box, truth, targets, agreeing, background + TARGETS, POOL)


def live_votes(votes: Votes, doc: int, result: Fit) -> list[LiveVote]:
    rows = np.flatnonzero(votes.doc == doc)
    known = result.confusion.shape[0]
    return [
        LiveVote(
            rating=list(Label)[int(votes.rating[i])],
            voter_class=VoterClass(int(votes.voter_class[i])),
            independent=bool(votes.independent[i]),
            matrix=result.voter_matrix(int(votes.voter[i])) if votes.voter[i] < known else None,
        )
        for i in rows
    ]


def attack(scene: Scene, attackers: NDArray[np.int64], before: Fit) -> None:
    """Each attacker votes unsafe on every target; independent only while the target needs votes."""
    votes = scene.box.votes(scene.n_docs, scene.next_voter)
    for target in scene.targets:
        current = document_consensus(
            live_votes(votes, int(target), before), before.state, before.params
        )
        independent = current.status is Status.NEEDS_VOTES
        scene.box.cast(
            np.full(attackers.size, target),
            attackers,
            np.full(attackers.size, UNSAFE),
            VoterClass.ANONYMOUS,
            np.full(attackers.size, independent),
        )


def flips(
    labels: NDArray[np.int64], scene: Scene, before: dict[str, NDArray[np.int64]], name: str
) -> str:
    was_great = before[name][scene.targets] == GREAT
    flipped = was_great & (labels[scene.targets] != GREAT)
    strong = flipped & scene.agreeing
    of_strong = int((was_great & scene.agreeing).sum())
    return f"{int(flipped.sum())}/{int(was_great.sum())} ({int(strong.sum())}/{of_strong})"


def run_attack(name: str, seed: int, ck: tuple[str, ...], follow: bool) -> None:
    scene = build_scene(seed)
    labels_before, fit_before = all_methods(scene.box.votes(scene.n_docs, scene.next_voter), ck)
    attackers = scene.next_voter + np.arange(BRIGADE)
    scene.next_voter += BRIGADE
    print(f"\n### {name}\n")
    if follow:
        follow_published(scene, attackers, fit_before, seed)
        labels_before, fit_before = all_methods(scene.box.votes(scene.n_docs, scene.next_voter), ck)
        report_followers(fit_before, attackers)
    attack(scene, attackers, fit_before)
    votes = scene.box.votes(scene.n_docs, scene.next_voter)
    live = np.full(scene.n_docs, 1)
    for t in scene.targets:
        consensus = document_consensus(
            live_votes(votes, int(t), fit_before), fit_before.state, fit_before.params
        )
        live[t] = list(Label).index(consensus.label)
    counts_live = {"majority": majority(votes), "v1": dirichlet_labels(votes)}
    refit, _ = all_methods(votes, ck)
    print(
        "Flips of targets labelled great before the attack: all targets "
        "(targets with 5 agreeing account votes).\n"
    )
    print("| method | live | after refit |")
    print("|---|---:|---:|")
    for method in refit:
        live_labels = live if method == "v2" else counts_live.get(method)
        live_cell = "—" if live_labels is None else flips(live_labels, scene, labels_before, method)
        print(f"| {method} | {live_cell} | {flips(refit[method], scene, labels_before, method)} |")


def follow_published(scene: Scene, followers: NDArray[np.int64], published: Fit, seed: int) -> None:
    """Followers vote the published label of settled documents: never independent."""
    rng = np.random.default_rng(seed + 1)
    settled = np.flatnonzero(published.table["status"][: scene.targets[0]] == 1)
    for follower in followers:
        docs = rng.choice(settled, FOLLOWED, replace=False)
        scene.box.cast(
            docs,
            np.full(FOLLOWED, follower),
            published.table["label"][docs],
            VoterClass.ANONYMOUS,
            np.zeros(FOLLOWED, bool),
        )


def report_followers(result: Fit, followers: NDArray[np.int64]) -> None:
    new_voter = np.asarray(result.state.pooled[VoterClass.ANONYMOUS])
    gap = float(np.abs(result.confusion[followers] - new_voter).max())
    accuracy = result.voter_accuracy()
    print(
        f"\nFollowers after {FOLLOWED} votes each along the published label: largest difference "
        f"between a follower's matrix and a new anonymous voter's {gap:.2e}; "
        f"their accuracy estimate {accuracy[followers].max():.4f} vs a new anonymous voter's "
        f"{float(np.einsum('k,kk->', np.asarray(result.state.prevalence), new_voter)):.4f}."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cells", nargs="*", help="spam:k pairs, e.g. 30:5 (default: the grid)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-crowdkit", action="store_true", help="skip the reference methods")
    parser.add_argument(
        "--crowdkit", nargs="+", choices=CK_METHODS, default=CK_METHODS, help="which of them"
    )
    parser.add_argument(
        "--ck-cache",
        metavar="FILE",
        help="JSON file of crowd-kit's grid accuracies: cells found there are not refitted",
    )
    parser.add_argument("--no-grid", action="store_true")
    parser.add_argument("--no-attacks", action="store_true")
    args = parser.parse_args()
    ck = () if args.no_crowdkit else tuple(args.crowdkit)
    cells = (
        [tuple(int(x) for x in c.split(":")) for c in args.cells]
        if args.cells
        else [(s, k) for s in SPAM for k in KS]
    )
    started = time.perf_counter()
    print(f"v2 parameters: {DawidSkeneParams().as_dict()}\n")
    if not args.no_grid:
        print_grid(cells, args.seed, ck, CrowdKitCache.load(args.ck_cache))  # type: ignore[arg-type]
    if not args.no_attacks:
        print("\n## Attacks on 50 great documents with 5 honest account votes each")
        run_attack(
            "Brigade: 20 fresh anonymous identities vote unsafe (one address or 20)",
            args.seed,
            ck,
            follow=False,
        )
        run_attack(
            "Consensus-followers: 20 identities vote along 100 published labels each, then "
            "vote unsafe",
            args.seed,
            ck,
            follow=True,
        )
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
