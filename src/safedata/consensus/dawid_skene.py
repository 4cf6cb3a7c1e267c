"""Consensus v2: a Dawid–Skene model with reliability learned from independent votes only.

Each document ``j`` has a true label ``z_j`` (unsafe, neutral, great) with prior
shares ``rho``. A voter ``v`` rates a document whose true label is ``k`` as ``r``
with probability ``pi_v[k, r]``, its confusion matrix. Fitting is EM over all
votes at once (sparse products, no loop over votes):

* **E-step** ``T[j, k] ∝ rho_k · Π_votes pi[k, r]^w`` for each vote on ``j``
  (``w`` is the vote's weight; quarantined votes have ``w = 0``).
* **M-step** expected counts ``N_v[k, r] = Σ w · T[j, k]`` over the voter's
  *independent* votes. Anonymous identities (and accounts without independent
  votes) are shrunk toward their class's pooled matrix, mixed with the uniform
  matrix by the class's trust; an account with independent votes toward a learned
  mixture of rater *communities* (careful, weak, random, one per constant label:
  Venanzi et al., 2014), by ``account_prior_strength`` plus ``account_prior_growth``
  pseudo-votes per independent vote, which gives its error profile ``S_v``. Its
  matrix is then the Dirichlet posterior mean ``pi_v ∝ matrix_strength · S_v + N_v``.
  ``docs/consensus.md`` has the whole model with a worked example.

A vote that was not independent (the document was already decided, or the voter
could see its tally) still counts for the document, but through ``P~_c``, the
matrix of a new voter of its class: it never changes its voter's matrix, so
agreeing with a published consensus earns no weight.

Outputs per document: ``label`` (the most probable true label, ties as in v1),
``confidence`` = ``T[j, label]``, ``score`` = ``T[j, great] − T[j, unsafe]`` (the
posterior mean on the spectrum −1, 0, +1), ``score_interval`` = the shortest
interval of spectrum values ``[low, high]`` (``low, high`` in −1, 0, +1) holding
at least ``interval_mass`` of the posterior, and ``status`` as in v1.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from safedata.consensus import base
from safedata.consensus.base import LABELS, Counts, Label, Status
from safedata.consensus.votes import VOTER_CLASSES, VoterClass, Votes
from safedata.params import bounded, check_bounds

K = len(LABELS)
_DECIMALS = 6
_FLOOR = 1e-12
_TIE_ORDER = (1, 0, 2)
"""Ties go to neutral, then to the cautious unsafe (as in v1)."""
_STATUS = (Status.NEEDS_VOTES, Status.SETTLED, Status.CONTESTED)
_INTERVALS = ((0, 0), (1, 1), (2, 2), (0, 1), (1, 2), (0, 2))
"""Candidate intervals as label-index pairs, shortest first."""
_SPECTRUM = (-1.0, 0.0, 1.0)
_RANDOM_COMMUNITY = 2
"""Index of the uniform matrix in ``DawidSkeneParams.community_matrices``."""


@dataclass(frozen=True)
class DawidSkeneParams:
    """Parameters of consensus v2; recorded with every release (``as_dict``)."""

    account_prior_strength: float = bounded(10.0, 0, low_open=True)
    """Pseudo-votes that pull an account's error rates toward those of its community."""
    account_prior_growth: float = bounded(2.0, 0)
    """More such pseudo-votes for each independent vote of the account. The community's
    rates are fitted on the votes of all its members, so they keep twice the weight of the
    account's own counts however many it casts: with equally reliable members the own
    counts would only add noise, and a member who is unlike its community still moves
    its rates (and its community) by a third of what it shows."""
    anonymous_prior_strength: float = bounded(20.0, 0, low_open=True)
    """The same for anonymous identities: larger, so they need more votes to stand apart."""
    account_trust: float = bounded(1.0, 0, 1, low_open=True)
    """Share of the learned account pool kept in a new account's matrix (rest uniform)."""
    anonymous_trust: float = bounded(0.05, 0, 1, low_open=True)
    """Share kept for a new anonymous identity: its vote carries about 1/20 of the evidence."""
    pool_accuracy: float = 0.7
    """Diagonal of the matrix each class pool starts from before any vote is seen."""
    pool_strength: float = bounded(10.0, 0, low_open=True)
    """Pseudo-votes per true label behind that starting matrix."""
    matrix_strength: float = bounded(1000.0, 0, low_open=True)
    """Pseudo-votes per true label pulling a voter's full matrix toward its error profile."""
    prevalence_prior: float = bounded(1.0, 0, low_open=True)
    """Pseudo-documents per label in the prior over label shares."""
    communities: bool = True
    """Accounts shrink toward a mixture of learned communities (careful, weak, random and
    one-label raters) rather than toward one account pool (an addition to issue 9)."""
    community_start: tuple[float, float] = (0.8, 0.5)
    """Starting accuracy of the careful and the weak community (errors spread evenly)."""
    community_iterations: int = bounded(3, 1)
    """Rounds of community assignment and community matrices per M-step."""
    community_votes: float = bounded(20.0, 0, low_open=True)
    """Independent votes at which an account's community is judged on its full evidence.
    With fewer, its votes' likelihood is tempered by ``votes / community_votes`` (one vote
    always fits "gives this label to everything" best; a sharp choice on a few votes
    makes EM flip between communities instead of converging)."""
    max_iterations: int = bounded(200, 1)
    """EM iterations at most."""
    tolerance: float = bounded(1e-3, 0, low_open=True)
    """EM stops when no document posterior moves by more than this."""
    min_votes: int = bounded(3, 1)
    """Votes (not quarantined) a document needs before it can be settled or contested."""
    threshold: float = bounded(0.75, 0, 1, low_open=True)
    """Posterior probability the label needs for the document to be settled."""
    contested_share: float = bounded(0.25, 0, 1, low_open=True)
    """Runner-up probability at or above which an unsettled document is contested."""
    interval_mass: float = bounded(0.9, 0, 1, low_open=True)
    """Posterior mass that ``score_interval`` must hold."""

    def __post_init__(self) -> None:
        check_bounds(self)
        if not 1 / K < self.pool_accuracy < 1:
            raise ValueError("pool_accuracy must lie in (1/3, 1)")
        if len(self.community_start) != 2 or not all(1 / K < a < 1 for a in self.community_start):
            raise ValueError("community_start holds two accuracies in (1/3, 1)")

    @classmethod
    def from_consensus_params(
        cls, params: base.ConsensusParams, **overrides: Any
    ) -> DawidSkeneParams:
        """v2 parameters sharing the status rules (min votes, thresholds) of ``params``."""
        shared = {
            "min_votes": params.min_votes,
            "threshold": params.threshold,
            "contested_share": params.contested_share,
        }
        return cls(**{**shared, **overrides})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def strength(self) -> NDArray[np.float64]:
        return np.array([self.account_prior_strength, self.anonymous_prior_strength])

    def trust(self) -> NDArray[np.float64]:
        return np.array([self.account_trust, self.anonymous_trust])

    def base_matrix(self) -> NDArray[np.float64]:
        return symmetric_matrix(self.pool_accuracy)

    def community_matrices(self) -> NDArray[np.float64]:
        """The communities' starting matrices (rows true label): careful, weak, random, then
        one per label for raters who give that label whatever the text."""
        one_label = [
            np.full((K, K), 0.05) + np.outer(np.ones(K), np.eye(K)[r]) * 0.85 for r in range(K)
        ]
        return np.stack(
            [
                *(symmetric_matrix(a) for a in self.community_start),
                np.full((K, K), 1 / K),
                *one_label,
            ]
        )


def symmetric_matrix(accuracy: float) -> NDArray[np.float64]:
    """A matrix with ``accuracy`` on the diagonal and the errors spread evenly."""
    off = (1 - accuracy) / (K - 1)
    return np.full((K, K), off) + np.eye(K) * (accuracy - off)


@dataclass(frozen=True)
class WeightedConsensus(base.Consensus):
    """A v1 ``Consensus`` plus what the vote-level model knows."""

    score_interval: tuple[float, float] = (-1.0, 1.0)
    """Shortest interval of spectrum values holding ``interval_mass`` of the posterior."""
    posterior: tuple[float, float, float] = (1 / 3, 1 / 3, 1 / 3)
    """Probability of each true label (unsafe, neutral, great)."""
    effective_votes: float = 0.0
    """Sum of vote weights, a new account's vote counting 1 (see ``vote_weights``)."""
    quarantined: int = 0
    """Votes on the document with weight 0, left out."""


@dataclass(frozen=True)
class ModelState:
    """What the vote path needs from the last refit besides each voter's matrix."""

    prevalence: tuple[float, float, float]
    """Prior share of each true label."""
    pooled: tuple[tuple[tuple[float, ...], ...], ...]
    """Per voter class, the matrix of a new voter (trust-mixed), rows true label."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "prevalence": list(self.prevalence),
            "pooled": [[list(r) for r in m] for m in self.pooled],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelState:
        prevalence = tuple(float(x) for x in data["prevalence"])
        pooled = tuple(tuple(tuple(float(x) for x in row) for row in m) for m in data["pooled"])
        state = cls(prevalence, pooled)  # type: ignore[arg-type]
        state.arrays()
        return state

    @classmethod
    def initial(cls, params: DawidSkeneParams) -> ModelState:
        """The state before any refit: class pools at their starting matrix."""
        pooled = _mix(np.stack([params.base_matrix()] * len(VOTER_CLASSES)), params.trust())
        return cls._from_arrays(np.full(K, 1 / K), pooled)

    @classmethod
    def _from_arrays(
        cls, prevalence: NDArray[np.float64], pooled: NDArray[np.float64]
    ) -> ModelState:
        return cls(
            tuple(float(x) for x in prevalence),  # type: ignore[arg-type]
            tuple(tuple(tuple(float(x) for x in row) for row in m) for m in pooled),
        )

    def arrays(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        prevalence = np.asarray(self.prevalence, dtype=float)
        pooled = np.asarray(self.pooled, dtype=float)
        if prevalence.shape != (K,) or pooled.shape != (len(VOTER_CLASSES), K, K):
            raise ValueError("a model state holds 3 shares and one 3 × 3 matrix per voter class")
        return prevalence, pooled


@dataclass(frozen=True, eq=False)
class Fit:
    """The result of ``fit``: posteriors per document, a matrix per voter, the pools."""

    params: DawidSkeneParams
    posterior: NDArray[np.float64]
    """Documents × 3: probability of each true label."""
    confusion: NDArray[np.float64]
    """Voters × 3 × 3: each voter's matrix (rows true label, columns rating)."""
    state: ModelState
    counts: NDArray[np.int64]
    """Documents × 3: votes per rating, quarantined left out."""
    quarantined: NDArray[np.int64]
    """Quarantined votes per document."""
    effective_votes: NDArray[np.float64]
    """Sum of vote weights per document (``vote_weights``)."""
    iterations: int
    converged: bool
    seconds: float
    table: dict[str, NDArray[Any]] = field(default_factory=dict)
    """Vectorised outputs: ``label`` (index), ``score``, ``confidence``, ``status`` (index
    into needs_votes, settled, contested), ``low``, ``high``."""

    @property
    def n_docs(self) -> int:
        return int(self.posterior.shape[0])

    def consensus(self, doc: int) -> WeightedConsensus:
        """The verdict on document ``doc``, as the vote path stores it."""
        return _verdict(
            self.table,
            doc,
            Counts(*(int(x) for x in self.counts[doc])),
            self.posterior[doc],
            float(self.effective_votes[doc]),
            int(self.quarantined[doc]),
        )

    def voter_matrix(self, voter: int) -> tuple[float, ...]:
        """Voter ``voter``'s matrix as 9 floats, row by row (store it; pass it to ``LiveVote``)."""
        return tuple(float(x) for x in self.confusion[voter].ravel())

    def voter_accuracy(self) -> NDArray[np.float64]:
        """Per voter, the probability of rating a random document correctly."""
        prevalence = np.asarray(self.state.prevalence)
        return np.asarray(np.einsum("k,vkk->v", prevalence, self.confusion), dtype=np.float64)


def _mix(pooled: NDArray[np.float64], trust: NDArray[np.float64]) -> NDArray[np.float64]:
    return trust[:, None, None] * pooled + (1 - trust[:, None, None]) / K


def _normalise_rows(m: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(m / m.sum(axis=-1, keepdims=True), dtype=np.float64)


def _softmax(log_t: NDArray[np.float64]) -> NDArray[np.float64]:
    # Column by column: reductions along a 3-wide axis are slow in NumPy.
    top = np.maximum(np.maximum(log_t[:, 0], log_t[:, 1]), log_t[:, 2])
    t = np.exp(log_t - top[:, None])
    total = t[:, 0] + t[:, 1] + t[:, 2]
    return np.asarray(t / total[:, None], dtype=np.float64)


@dataclass(frozen=True, eq=False)
class _Design:
    """The votes as one sparse matrix, built once per fit.

    Inside the EM loop voter matrices are kept transposed, ``(voters, rating, true
    label)``, so that the E-step's table of log probabilities is a plain reshape
    and the M-step's expected counts come out of the product in that layout.
    """

    all_votes: sp.csr_matrix
    """Docs × (voters · 3 + classes · 3): weight of each independent (voter, rating), then
    of each non-independent (class, rating), on a document. Its transpose (a CSC view
    of the same arrays) gives the M-step's expected counts: the first ``voters · 3``
    rows are the independent votes only."""
    voter_class: NDArray[np.int64]
    accounts: NDArray[np.int64]
    """Indices of the account voters."""
    class_members: NDArray[np.float64]
    """Classes × voters: 1.0 where the voter belongs to the class."""
    voted: NDArray[np.float64]
    """1.0 for documents with a vote that counts, else 0.0."""


def _design(votes: Votes) -> _Design:
    own = votes.n_voters * K
    voter_class = votes.classes_of_voters()
    live = votes.weight > 0
    doc, voter, rating, cls, independent, weight = (
        (votes.doc, votes.voter, votes.rating, votes.voter_class, votes.independent, votes.weight)
        if live.all()
        else (
            votes.doc[live],
            votes.voter[live],
            votes.rating[live],
            votes.voter_class[live],
            votes.independent[live],
            votes.weight[live],
        )
    )
    columns = np.where(independent, voter * K, own + cls * K) + rating
    # The CSR arrays directly: rows are documents, so sorting the votes by document is
    # all the conversion there is. Duplicate or unsorted columns within a row are fine
    # for the products.
    order = _by_document(doc, votes.n_docs)
    per_doc = np.bincount(doc, minlength=votes.n_docs)
    indptr = np.zeros(votes.n_docs + 1, np.int64)
    np.cumsum(per_doc, out=indptr[1:])
    shape = (votes.n_docs, own + len(VOTER_CLASSES) * K)
    everything = sp.csr_matrix((weight[order], columns[order], indptr), shape=shape)
    members = (voter_class[None, :] == np.arange(len(VOTER_CLASSES))[:, None]).astype(np.float64)
    accounts = np.flatnonzero(voter_class == VoterClass.ACCOUNT)
    return _Design(everything, voter_class, accounts, members, (per_doc > 0).astype(np.float64))


def _by_document(doc: NDArray[np.int64], n_docs: int) -> NDArray[np.int64]:
    """The stable order of votes by document: NumPy's radix sort, 16 bits a pass."""
    if n_docs <= 1 << 16:
        return np.argsort(doc.astype(np.uint16), kind="stable")
    if n_docs > 1 << 32:
        return np.argsort(doc, kind="stable")
    low = np.argsort((doc & 0xFFFF).astype(np.uint16), kind="stable")
    return low[np.argsort((doc[low] >> 16).astype(np.uint16), kind="stable")]


def _log_table(matrices_rk: NDArray[np.float64]) -> NDArray[np.float64]:
    """(n, r, k) matrices as an (n · r, k) table of log probabilities."""
    return np.log(np.maximum(matrices_rk, _FLOOR)).reshape(-1, K)


def _e_step(
    design: _Design,
    confusion_rk: NDArray[np.float64],
    pooled: NDArray[np.float64],
    prevalence: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Posteriors from the voters' matrices (``(v, r, k)``) and the class pools (``(c, k, r)``)."""
    table = np.concatenate([_log_table(confusion_rk), _log_table(pooled.transpose(0, 2, 1))])
    log_t = np.asarray(design.all_votes @ table)
    log_t += np.log(prevalence)
    return _softmax(log_t)


def _m_step(
    design: _Design, posterior: NDArray[np.float64], params: DawidSkeneParams
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Voter matrices ``(v, r, k)``, new-voter matrices per class ``(c, k, r)``, label shares."""
    n_voters = design.voter_class.size
    own = n_voters * K
    expected = np.asarray(design.all_votes.T @ posterior)[:own].reshape(n_voters, K, K)  # v, r, k
    # Small dense products by einsum, not BLAS: on a busy machine a threaded BLAS call
    # spins for longer than these take (the fit cost twice its CPU without
    # OPENBLAS_NUM_THREADS=1).
    prevalence = params.prevalence_prior + np.einsum("j,jk->k", design.voted, posterior)
    prevalence = prevalence / prevalence.sum()
    by_class = np.einsum(
        "cv,vx->cx", design.class_members, expected.reshape(n_voters, K * K)
    ).reshape(-1, K, K)
    pooled = _mix(
        _normalise_rows(params.pool_strength * params.base_matrix() + by_class.transpose(0, 2, 1)),
        params.trust(),
    )
    class_errors = _class_errors(pooled, prevalence)
    prior_errors = class_errors[design.voter_class]
    if params.communities and design.accounts.size:
        # Accounts with enough independent votes; the others keep the class's rates, so
        # that a voter without any has exactly a new voter's matrix (voting along earns
        # nothing).
        counted = expected[design.accounts].reshape(-1, K * K)
        active = counted.sum(axis=1) > 0
        if active.any():
            prior_errors[design.accounts[active]] = _community_errors(
                counted[active], prevalence, params
            )
    per_label = expected.sum(axis=1)  # (v, k): expected votes on documents of label k
    strength = params.strength()[design.voter_class]
    strength[design.accounts] += params.account_prior_growth * per_label[design.accounts].sum(1)
    strength = strength[:, None]
    diagonal = np.einsum("vrr->vr", expected)
    # Per voter and rating r: ratings r given on documents whose label is not r, over the
    # votes on documents whose label is not r; shrunk toward the class's (or community's) rate.
    errors = (expected.sum(axis=2) - diagonal + strength * prior_errors) / (
        per_label.sum(axis=1, keepdims=True) - per_label + strength
    )
    return _confusion(errors, expected, per_label, params), _profile(class_errors), prevalence


def _community_errors(
    expected: NDArray[np.float64], prevalence: NDArray[np.float64], params: DawidSkeneParams
) -> NDArray[np.float64]:
    """Each account's prior error rates: a mixture over communities of raters.

    ``expected`` holds the expected counts of accounts with independent votes,
    ``(voters, rating · 3 + label)``.
    A few rounds of a mixture fit: each voter's responsibility ``q[v, m]`` for community
    ``m`` is its counts' likelihood under the community's matrix times the community's
    share; each community's matrix is its starting matrix (``pool_strength`` pseudo-votes
    per true label) plus the counts of its voters, weighted by ``q``. The result is
    ``q`` times each community's error rates (``_class_errors``), ``(voters, rating)``.
    """
    start = params.community_matrices()  # (m, k, r)
    temper = np.minimum(expected.sum(axis=1) / params.community_votes, 1.0)
    matrices = start
    share = np.full(len(start), 1 / len(start))
    for _ in range(params.community_iterations):
        logs = np.log(matrices.transpose(0, 2, 1).reshape(len(start), K * K))  # (m, r · 3 + k)
        log_q = temper[:, None] * np.einsum("vx,mx->vm", expected, logs) + np.log(share)
        log_q -= log_q.max(axis=1, keepdims=True)
        q = np.exp(log_q)
        q /= q.sum(axis=1, keepdims=True)
        counts = np.einsum("vm,vx->mx", q, expected).reshape(-1, K, K).transpose(0, 2, 1)
        matrices = _normalise_rows(params.pool_strength * start + counts)
        # A random rater's ratings say nothing about the truth, by definition. Learnt, this
        # community drifted toward the careless raters: each vote pulls its own document's
        # posterior, so even a random rater seems to agree with it more than a third of
        # the time.
        matrices[_RANDOM_COMMUNITY] = 1 / K
        share = 1 + q.sum(axis=0)
        share /= share.sum()
    return np.asarray(
        np.einsum("vm,mr->vr", q, _class_errors(matrices, prevalence)), dtype=np.float64
    )


def _confusion(
    errors: NDArray[np.float64],
    expected: NDArray[np.float64],
    per_label: NDArray[np.float64],
    params: DawidSkeneParams,
) -> NDArray[np.float64]:
    """``matrix_strength`` pseudo-votes of each voter's error profile plus its expected counts,
    rows normalised; in the ``(v, r, k)`` layout."""
    profile = np.repeat(errors[:, :, None], K, axis=2)  # (v, r, k): P(r | k) = errors[r]
    others = errors.sum(axis=1, keepdims=True) - errors  # (v, k): errors off the diagonal
    diagonal = np.maximum(1 - others, _FLOOR)
    profile[:, np.arange(K), np.arange(K)] = diagonal
    profile /= (others + diagonal)[:, None, :]
    profile *= params.matrix_strength
    profile += expected
    profile /= (params.matrix_strength + per_label)[:, None, :]
    return profile


def _class_errors(
    pooled: NDArray[np.float64], prevalence: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Per class and rating r, P(rating r | true label is not r) under the pooled matrix."""
    off = 1 - np.eye(K)
    weights = prevalence[None, :, None] * off[None]  # over true labels k != r
    return np.asarray((weights * pooled).sum(axis=1) / weights.sum(axis=1), dtype=np.float64)


def _profile(errors: NDArray[np.float64]) -> NDArray[np.float64]:
    """The matrix with ``P(r | k) = errors[r]`` off the diagonal (rows made to sum to 1)."""
    matrix = np.repeat(errors[..., None, :], K, axis=-2)
    eye = np.eye(K, dtype=bool)
    diagonal = 1 - (errors.sum(axis=-1, keepdims=True) - errors)
    matrix[..., eye] = np.maximum(diagonal, _FLOOR)
    return _normalise_rows(matrix)


def _em_step(
    design: _Design, posterior: NDArray[np.float64], params: DawidSkeneParams
) -> NDArray[np.float64]:
    return _e_step(design, *_m_step(design, posterior, params))


def _squared(array: NDArray[np.float64]) -> float:
    # einsum, not BLAS: a threaded dot costs more than it saves on arrays this size.
    return float(np.einsum("ij,ij->", array, array))


def _accelerated_em(
    design: _Design, posterior: NDArray[np.float64], params: DawidSkeneParams
) -> tuple[NDArray[np.float64], int, bool]:
    """EM on the document posteriors, sped up by SQUAREM (Varadhan & Roland 2008).

    Two plain steps give the direction of travel; the extrapolated point is
    pulled back onto the simplex and followed by a plain step, which keeps the
    fixed point that of EM. Counts plain EM steps as iterations.
    """
    iterations = 0
    while iterations < params.max_iterations:
        first = _em_step(design, posterior, params)
        second = _em_step(design, first, params)
        iterations += 2
        if np.abs(second - first).max(initial=0.0) < params.tolerance:
            return second, iterations, True
        step, curve = first - posterior, second - 2 * first + posterior
        alpha = min(-np.sqrt(_squared(step) / max(_squared(curve), 1e-300)), -1.0)
        jumped = np.clip(posterior - 2 * alpha * step + alpha**2 * curve, 0.0, 1.0) + _FLOOR
        posterior = _em_step(design, jumped / jumped.sum(axis=1, keepdims=True), params)
        iterations += 1
    return posterior, iterations, False


def fit(votes: Votes, params: DawidSkeneParams | None = None) -> Fit:
    """Fit the model to every vote by EM; ``Fit.iterations`` says how long it took."""
    params = params or DawidSkeneParams()
    started = time.perf_counter()
    design = _design(votes)
    prevalence, pooled = ModelState.initial(params).arrays()
    new_voters = pooled.transpose(0, 2, 1)[design.voter_class]
    posterior = _e_step(design, new_voters, pooled, prevalence)
    posterior, iterations, converged = _accelerated_em(design, posterior, params)
    confusion_rk, pooled, prevalence = _m_step(design, posterior, params)
    posterior = _e_step(design, confusion_rk, pooled, prevalence)
    confusion = np.ascontiguousarray(confusion_rk.transpose(0, 2, 1))
    weights = vote_weights(votes, confusion, pooled, params)
    effective = np.bincount(votes.doc, weights=weights, minlength=votes.n_docs)
    counts = votes.counts()
    quarantined = np.bincount(votes.doc[votes.weight == 0], minlength=votes.n_docs)
    return Fit(
        params=params,
        posterior=posterior,
        confusion=confusion,
        state=ModelState._from_arrays(prevalence, pooled),
        counts=counts,
        quarantined=quarantined,
        effective_votes=effective.astype(np.float64),
        iterations=iterations,
        converged=converged,
        seconds=time.perf_counter() - started,
        table=summarise(posterior, counts.sum(axis=1), params),
    )


def vote_weights(
    votes: Votes,
    confusion: NDArray[np.float64],
    pooled: NDArray[np.float64],
    params: DawidSkeneParams,
) -> NDArray[np.float64]:
    """Each vote's weight: the spread of its log-likelihoods over the true labels.

    A vote through matrix ``M`` with rating ``r`` adds ``log M[k, r]`` to label
    ``k``; its weight is ``max_k − min_k`` of that, divided by the same for a new
    account voter before any refit, and times the vote's own weight. A careful
    voter weighs more than 1, a new anonymous identity about ``anonymous_trust``,
    a spammer whose ratings say nothing about the truth about 0.
    """
    start = params.base_matrix()
    unit = float(np.log(start[0, 0]) - np.log(start[0, 1]))
    own, shared = _spread(confusion).ravel(), _spread(pooled).ravel()  # per (voter, rating)
    spread = np.where(
        votes.independent,
        own[votes.voter * K + votes.rating],
        shared[votes.voter_class * K + votes.rating],
    )
    return np.asarray(votes.weight * spread / unit, dtype=np.float64)


def _spread(matrices: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per matrix and rating r, max_k − min_k of log M[k, r]."""
    logs = np.log(np.maximum(matrices, _FLOOR))
    return np.asarray(logs.max(axis=-2) - logs.min(axis=-2), dtype=np.float64)


def summarise(
    posterior: NDArray[np.float64], vote_totals: NDArray[np.int64], params: DawidSkeneParams
) -> dict[str, NDArray[Any]]:
    """Label, score, confidence, status and interval for each row of ``posterior``.

    A document without votes keeps v1's stored defaults: neutral, score 0,
    confidence 0, needs votes, interval [−1, 1].
    """
    ordered = posterior[:, _TIE_ORDER]
    label = np.asarray(_TIE_ORDER)[
        np.argmax(ordered >= ordered.max(axis=1, keepdims=True) - 1e-9, axis=1)
    ]
    confidence = posterior[np.arange(len(label)), label]
    runner_up = np.sort(posterior, axis=1)[:, -2]
    status = np.where(
        confidence >= params.threshold, 1, np.where(runner_up >= params.contested_share, 2, 0)
    )
    status = np.where(vote_totals < params.min_votes, 0, status)
    low, high = _intervals(posterior, params.interval_mass)
    score = posterior[:, 2] - posterior[:, 0]
    empty = vote_totals == 0
    return {
        "label": np.where(empty, 1, label),
        "score": np.where(empty, 0.0, np.round(score, _DECIMALS)),
        "confidence": np.where(empty, 0.0, np.round(confidence, _DECIMALS)),
        "status": status,
        "low": np.where(empty, -1.0, low),
        "high": np.where(empty, 1.0, high),
    }


def _intervals(
    posterior: NDArray[np.float64], mass: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    cumulative = np.concatenate(
        [np.zeros((len(posterior), 1)), np.cumsum(posterior, axis=1)], axis=1
    )
    held = np.stack([cumulative[:, b + 1] - cumulative[:, a] for a, b in _INTERVALS], axis=1)
    lengths = np.array([b - a for a, b in _INTERVALS])
    # Shortest interval holding the mass; among equally short ones, the one holding most.
    key = np.where(held >= mass - 1e-12, lengths * 10.0 - held, np.inf)
    choice = np.argmin(key, axis=1)
    spectrum = np.asarray(_SPECTRUM)
    ends = np.asarray(_INTERVALS)[choice]
    return spectrum[ends[:, 0]], spectrum[ends[:, 1]]


@dataclass(frozen=True)
class LiveVote:
    """One vote on a document, as the vote path sees it between refits."""

    rating: Label
    voter_class: VoterClass = VoterClass.ACCOUNT
    independent: bool = True
    weight: float = 1.0
    """0 for a quarantined vote."""
    matrix: Sequence[float] | None = None
    """The voter's 9 floats from the last refit (``Fit.voter_matrix``); None for a new voter."""


def document_consensus(
    votes: Sequence[LiveVote], state: ModelState, params: DawidSkeneParams | None = None
) -> WeightedConsensus:
    """One document's consensus from its votes with the current voter matrices.

    The E-step of ``fit`` for one document: called on the vote path after each
    vote, it gives the same answer as the refit would with unchanged matrices.
    """
    params = params or DawidSkeneParams()
    prevalence, pooled = state.arrays()
    log_t = np.log(prevalence).copy()
    weights = np.zeros(len(votes))
    unit = float(np.log(params.base_matrix()[0, 0]) - np.log(params.base_matrix()[0, 1]))
    counts = [0, 0, 0]
    quarantined = 0
    for i, vote in enumerate(votes):
        if not 0 <= vote.weight <= 1:
            raise ValueError("weight must lie in [0, 1]")
        if vote.weight == 0:
            quarantined += 1
            continue
        r = LABELS.index(Label(vote.rating))
        counts[r] += 1
        own = vote.matrix is not None and vote.independent
        matrix = (
            np.asarray(vote.matrix, float).reshape(K, K) if own else pooled[int(vote.voter_class)]
        )
        column = np.log(np.maximum(matrix[:, r], _FLOOR))
        log_t += vote.weight * column
        weights[i] = vote.weight * (column.max() - column.min()) / unit
    posterior = _softmax(log_t[None, :])
    table = summarise(posterior, np.array([sum(counts)]), params)
    return _verdict(table, 0, Counts(*counts), posterior[0], float(weights.sum()), quarantined)


def _verdict(
    table: dict[str, NDArray[Any]],
    row: int,
    counts: Counts,
    posterior: NDArray[np.float64],
    effective_votes: float,
    quarantined: int,
) -> WeightedConsensus:
    """Row ``row`` of a ``summarise`` table as the value the vote path stores."""
    return WeightedConsensus(
        label=LABELS[int(table["label"][row])],
        score=float(table["score"][row]),
        confidence=float(table["confidence"][row]),
        status=_STATUS[int(table["status"][row])],
        counts=counts,
        score_interval=(float(table["low"][row]), float(table["high"][row])),
        posterior=tuple(round(float(x), _DECIMALS) for x in posterior),  # type: ignore[arg-type]
        effective_votes=round(effective_votes, _DECIMALS),
        quarantined=quarantined,
    )


def compute(counts: Counts, params: DawidSkeneParams | None = None) -> WeightedConsensus:
    """Counts only (no voter known): every vote weighs as a new account's."""
    params = params or DawidSkeneParams()
    votes = [
        LiveVote(rating=label)
        for label, n in zip(LABELS, counts.as_tuple(), strict=True)
        for _ in range(n)
    ]
    return document_consensus(votes, ModelState.initial(params), params)


class DawidSkeneConsensus:
    """Registered as ``dawid-skene-v2``: voters weighted by reliability learned from votes."""

    identifier: ClassVar[str] = "dawid-skene-v2"

    def compute(self, counts: Counts, params: base.ConsensusParams) -> base.Consensus:
        return compute(counts, DawidSkeneParams.from_consensus_params(params))

    def fit(self, votes: Votes, params: DawidSkeneParams) -> Fit:
        return fit(votes, params)


base.register(DawidSkeneConsensus())

__all__ = [
    "DawidSkeneConsensus",
    "DawidSkeneParams",
    "Fit",
    "LiveVote",
    "ModelState",
    "VoterClass",
    "WeightedConsensus",
    "compute",
    "document_consensus",
    "fit",
    "summarise",
    "symmetric_matrix",
    "vote_weights",
]
