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
whether the vote was independent (its document still needed votes). The
default run is pure (``ArrayBallotBox``). ``--through-services`` casts each vote
through the web app's own ``safedata.voting.services.cast_vote`` on a temporary
SQLite database (members for the account voters, signed-cookie keys for the
anonymous ones), refits with the real ``safedata consensus recompute`` code and
reads the stored labels back, for one smaller cell (500 documents, k = 5, 30 %
spam) and the brigade; it prints the same figures and checks them against the
pure path on the same votes.

    .venv/bin/python benchmarks/consensus_sim.py                 # the full grid and the attacks
    .venv/bin/python benchmarks/consensus_sim.py --cells 30:5    # one cell
    .venv/bin/python benchmarks/consensus_sim.py --no-crowdkit   # ours only, seconds
    .venv/bin/python benchmarks/consensus_sim.py --through-services   # the web app's vote path
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

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
    symmetric_matrix,
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


@dataclass(frozen=True)
class Ballots:
    """Votes to cast, one per entry of the arrays, all from voters of one class."""

    doc: NDArray[np.int64]
    voter: NDArray[np.int64]
    rating: NDArray[np.int64]
    voter_class: VoterClass = VoterClass.ACCOUNT
    independent: NDArray[np.bool_] | None = None
    """Whether each vote was cast while its document still needed votes; None: all were."""

    def independence(self) -> NDArray[np.bool_]:
        return np.ones(self.doc.size, bool) if self.independent is None else self.independent


@dataclass
class ArrayBallotBox:
    """Collects votes in memory; the one place a vote is cast (a web mode replaces it)."""

    ballots: list[Ballots] = field(default_factory=list)

    def cast(self, ballots: Ballots) -> None:
        self.ballots.append(ballots)

    def votes(self, n_docs: int, n_voters: int) -> Votes:
        return Votes.from_arrays(
            np.concatenate([b.doc for b in self.ballots]),
            np.concatenate([b.voter for b in self.ballots]),
            np.concatenate([b.rating for b in self.ballots]),
            voter_class=np.concatenate(
                [np.full(b.doc.size, int(b.voter_class)) for b in self.ballots]
            ),
            independent=np.concatenate([b.independence() for b in self.ballots]),
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
        matrices[pool.kind == kind] = symmetric_matrix(accuracy)
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
    box.cast(Ballots(doc, voters.ravel(), rating))
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


def build_scene(
    seed: int, background: int = 3000, spam: int = 10, k: int = 5, targets: int = TARGETS
) -> Scene:
    rng = np.random.default_rng(seed)
    truth = np.concatenate([rng.choice(3, background, p=SHARES), np.full(targets, GREAT)])
    pool = Pool.make(spam, rng)
    honest = np.flatnonzero(pool.kind < 2)
    box = ArrayBallotBox()
    voters = distinct_voters(background, k, POOL, rng).ravel()
    doc = np.repeat(np.arange(background), k)
    box.cast(Ballots(doc, voters, pool.rate(voters, truth[doc], rng)))
    on_target = honest[distinct_voters(targets, HONEST_ON_TARGET, honest.size, rng)].ravel()
    target_docs = background + np.arange(targets)
    doc = np.repeat(target_docs, HONEST_ON_TARGET)
    rating = pool.rate(on_target, truth[doc], rng)
    box.cast(Ballots(doc, on_target, rating))
    agreeing = (rating.reshape(targets, HONEST_ON_TARGET) == GREAT).all(axis=1)
    return Scene(box, truth, target_docs, agreeing, background + targets, POOL)


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
            Ballots(
                np.full(attackers.size, target),
                attackers,
                np.full(attackers.size, UNSAFE),
                VoterClass.ANONYMOUS,
                np.full(attackers.size, independent),
            )
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
            Ballots(
                docs,
                np.full(FOLLOWED, follower),
                published.table["label"][docs],
                VoterClass.ANONYMOUS,
                np.zeros(FOLLOWED, bool),
            )
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


@contextmanager
def django_sqlite() -> Iterator[None]:
    """Django on a migrated SQLite database in a temporary folder, consensus v2 configured.

    The rate limits and the burst and serial thresholds are raised out of the way
    (the pure model has none of them; a simulated voter rates dozens of one
    uploader's documents in seconds); members count as established at once.
    """
    with tempfile.TemporaryDirectory(prefix="safedata-sim-") as folder:
        os.environ.update(
            {
                "SAFEDATA_DATA_DIR": folder,
                "DJANGO_SETTINGS_MODULE": "safedata.settings",
                "CONSENSUS_METHOD": "dawid-skene-v2",
                "DEBUG": "false",
                "ACCOUNT_ESTABLISHED_DAYS": "0",
                "SERIAL_MIN_VOTES": "1000000000",
                "BURST_MIN_VOTES": "1000000000",
            }
        )
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("REDIS_URL", None)
        for limit in ("VOTE_RATE_LIMIT", "VOTE_ADDRESS_RATE_LIMIT", "IDENTITY_RATE_LIMIT"):
            os.environ[limit] = "100000000/m"
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        yield


@dataclass
class ServiceBallotBox:
    """Casts every vote through ``services.cast_vote``, as the review page does (blind).

    The service decides independence itself (a first vote on a document that still
    needs votes); ``Ballots.independent`` is not used.
    """

    n_docs: int
    document_ids: list[int] = field(default_factory=list)
    voters: dict[int, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from django.contrib.auth.hashers import make_password

        from safedata.accounts.models import User
        from safedata.documents.models import Document
        from safedata.records import text_sha256

        uploader = User.objects.create(username="sim-uploader", password=make_password(None))
        texts = [f"Simulated document number {i}." for i in range(self.n_docs)]
        Document.objects.bulk_create(
            Document(uploader=uploader, text=t, content_sha256=text_sha256(t), char_count=len(t))
            for t in texts
        )
        self.document_ids = list(Document.objects.order_by("id").values_list("id", flat=True))

    def _voter(self, voter: int, voter_class: VoterClass) -> Any:
        from django.contrib.auth.hashers import make_password

        from safedata.accounts.models import User
        from safedata.voting.identity import Voter

        if voter not in self.voters:
            if voter_class is VoterClass.ANONYMOUS:
                self.voters[voter] = Voter(key=f"a:sim{voter:06d}")
            else:  # a member without a usable password: hashing one costs 0.3 s
                user = User.objects.create(username=f"sim{voter}", password=make_password(None))
                self.voters[voter] = Voter(key=user.voter_key, user=user)
        return self.voters[voter]

    def cast(self, ballots: Ballots) -> None:
        from safedata.voting.services import cast_vote

        labels = list(Label)
        columns = ballots.doc.tolist(), ballots.voter.tolist(), ballots.rating.tolist()
        rows = zip(*columns, strict=True)
        for d, v, r in rows:
            cast_vote(
                self.document_ids[d], self._voter(v, ballots.voter_class), labels[r], blind=True
            )

    def stored_labels(self) -> NDArray[np.int64]:
        """Each document's label as the site stores it, in simulation order."""
        from safedata.documents.models import Document

        order = list(Label)
        stored = dict(Document.objects.values_list("id", "label"))
        return np.array([order.index(Label(stored[i])) for i in self.document_ids])

    def votes(self) -> Votes:
        """The stored votes (with the service's independence flags) in simulation indices."""
        from safedata.voting import refit

        read = refit.read_votes()
        index = {key: v for v, voter in self.voters.items() for key in [voter.key]}
        first = self.document_ids[0]
        voter = np.array([index[k] for k in read.voter_keys])[read.votes.voter]
        return Votes.from_arrays(
            read.document_ids[read.votes.doc] - first,
            voter,
            read.votes.rating,
            voter_class=read.votes.voter_class,
            independent=read.votes.independent,
            weight=read.votes.weight,
            n_docs=self.n_docs,
            n_voters=max(self.voters) + 1,
        )


def recompute() -> int:
    """The real refit (``safedata consensus recompute``'s code); its EM steps."""
    from safedata.voting import refit

    return refit.recompute().iterations


def services_cell(seed: int, docs: int, k: int, spam: int) -> None:
    """One grid cell cast through the vote service, then refitted; against the pure path."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(3, docs, p=SHARES)
    pool = Pool.make(spam, rng)
    voters = distinct_voters(docs, k, POOL, rng).ravel()
    doc = np.repeat(np.arange(docs), k)
    rating = pool.rate(voters, truth[doc], rng)
    started = time.perf_counter()
    box = ServiceBallotBox(docs)
    box.cast(Ballots(doc, voters, rating))
    cast_s = time.perf_counter() - started
    steps = recompute()
    stored = box.stored_labels()
    votes = box.votes()
    same_votes = fit(votes).table["label"]
    pure = ArrayBallotBox()
    pure.cast(Ballots(doc, voters, rating))
    pure_votes = pure.votes(docs, POOL)
    pure_fit = fit(pure_votes).table["label"]
    independent = float(votes.independent.mean())
    print(f"### One cell through the vote service ({docs:,} documents, k = {k}, {spam} % spam)\n")
    print(
        f"{votes.size:,} votes cast with `services.cast_vote` in {cast_s:.1f} s "
        f"({100 * independent:.1f} % independent as the service decided), refit in {steps} EM "
        "steps.\n"
    )
    print("| path | majority | v2 | oracle |")
    print("|---|---:|---:|---:|")
    acc = {
        "through the service, labels stored by the refit": (votes, stored),
        "pure, on the stored votes": (votes, same_votes),
        "pure, every vote independent (the grid's votes)": (pure_votes, pure_fit),
    }
    for name, (these, labels) in acc.items():
        print(
            f"| {name} | {100 * float((majority(these) == truth).mean()):.1f} | "
            f"{100 * float((labels == truth).mean()):.1f} | "
            f"{100 * float((oracle(pool, these) == truth).mean()):.1f} |"
        )
    print(
        f"\nStored labels equal to the pure fit on the same votes: "
        f"{int((stored == same_votes).sum())}/{docs}.\n",
        flush=True,
    )


def services_brigade(seed: int, background: int, targets: int) -> None:
    """The brigade cast through the vote service: flips live (stored at once) and after a refit."""
    pure = build_scene(seed, background=background, targets=targets)
    box = ServiceBallotBox(pure.n_docs)
    assert all(b.voter_class is VoterClass.ACCOUNT for b in pure.box.ballots)
    for ballots in pure.box.ballots:
        box.cast(ballots)
    recompute()
    before_votes = box.votes()
    before = {"v2": box.stored_labels()}
    pure_before = fit(before_votes)
    attackers = pure.next_voter + np.arange(BRIGADE)
    for target in pure.targets:
        box.cast(
            Ballots(
                np.full(BRIGADE, target),
                attackers,
                np.full(BRIGADE, UNSAFE),
                VoterClass.ANONYMOUS,
                np.zeros(BRIGADE, bool),
            )
        )
    live = box.stored_labels()
    votes = box.votes()
    pure_live = np.array(before["v2"])
    for t in pure.targets:
        consensus = document_consensus(
            live_votes(votes, int(t), pure_before), pure_before.state, pure_before.params
        )
        pure_live[t] = list(Label).index(consensus.label)
    recompute()
    refitted = box.stored_labels()
    pure_refit = fit(votes).table["label"]
    print(
        f"### Brigade through the vote service ({background:,} background documents + "
        f"{targets} targets; 20 fresh anonymous identities vote unsafe on each)\n"
    )
    print("| v2 | live | after refit |")
    print("|---|---:|---:|")
    print(
        f"| through the service (stored labels) | {flips(live, pure, before, 'v2')} | "
        f"{flips(refitted, pure, before, 'v2')} |"
    )
    pure_labels = {"v2": pure_before.table["label"]}
    print(
        f"| pure, on the same votes | {flips(pure_live, pure, pure_labels, 'v2')} | "
        f"{flips(pure_refit, pure, pure_labels, 'v2')} |"
    )
    agree = int((live == pure_live).sum()), int((refitted == pure_refit).sum())
    print(
        f"\nStored labels equal to the pure path: live {agree[0]}/{pure.n_docs}, "
        f"after the refit {agree[1]}/{pure.n_docs}.",
        flush=True,
    )


def through_services(seed: int, docs: int, background: int, targets: int = TARGETS) -> None:
    from django.core.management import call_command

    with django_sqlite():
        services_cell(seed, docs, 5, 30)
        call_command("flush", interactive=False, verbosity=0)  # a fresh site for the brigade
        services_brigade(seed, background, targets)


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
    parser.add_argument(
        "--through-services",
        action="store_true",
        help="cast through the web app's vote service on a temporary SQLite database",
    )
    parser.add_argument("--docs", type=int, default=500, help="documents, --through-services")
    parser.add_argument(
        "--background", type=int, default=300, help="background documents of its brigade"
    )
    parser.add_argument("--targets", type=int, default=TARGETS, help="brigade targets")
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
    if args.through_services:
        through_services(args.seed, args.docs, args.background, args.targets)
        print(f"\n({time.perf_counter() - started:.0f} s)")
        return
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
