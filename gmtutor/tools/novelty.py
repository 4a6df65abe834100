"""Does a classifier notice an input unlike anything it was trained on?

Naive Bayes can say how likely an input is, log p(x); logistic regression only has its
confidence, max_y p(y | x). Both become scores for "this is new", and the ROC AUC says
how well each score separates inputs of the training classes from inputs of a class
never seen (1.0: perfectly, 0.5: no better than a coin).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score

from gmtutor.models.naive_bayes import GaussianNB
from gmtutor.tools.classifiers import fit_logistic_regression


def auroc(unseen_scores: np.ndarray, seen_scores: np.ndarray) -> float:
    """ROC AUC: the probability that a random unseen input scores higher than a random seen one (ties count half).

    scikit-learn's ``roc_auc_score`` with the unseen inputs as the positive class.
    """
    unseen_scores, seen_scores = np.ravel(unseen_scores), np.ravel(seen_scores)
    if len(unseen_scores) == 0 or len(seen_scores) == 0:
        raise ValueError("auroc needs at least one seen and one unseen score")
    is_unseen = np.r_[np.ones(len(unseen_scores)), np.zeros(len(seen_scores))]
    return float(roc_auc_score(is_unseen, np.r_[unseen_scores, seen_scores]))


@dataclass
class UnseenClass:
    """What two fitted models make of inputs from the training classes ("seen") and from a new class ("unseen").

    ``nb_log_prob_*`` hold Naive Bayes's log p(x); ``lr_confidence_*`` logistic regression's
    max_y p(y | x). ``nb_auc`` scores the newcomers by -log p(x), ``lr_auc`` by -confidence.
    """

    nb: GaussianNB
    lr: object
    nb_log_prob_seen: np.ndarray
    nb_log_prob_unseen: np.ndarray
    lr_confidence_seen: np.ndarray
    lr_confidence_unseen: np.ndarray
    nb_auc: float
    lr_auc: float

    def summary(self) -> str:
        """A few lines comparing the two models on seen and unseen inputs."""
        return "\n".join(
            [
                f"{'':<34}{'seen':>10}{'unseen':>10}",
                f"{'NB  median log p(x)':<34}{np.median(self.nb_log_prob_seen):>10.1f}"
                f"{np.median(self.nb_log_prob_unseen):>10.1f}",
                f"{'LR  mean confidence max p(y|x)':<34}{self.lr_confidence_seen.mean():>10.3f}"
                f"{self.lr_confidence_unseen.mean():>10.3f}",
                f"ROC AUC, seen vs unseen: NB log p(x) {self.nb_auc:.3f}, LR confidence {self.lr_auc:.3f}",
            ]
        )


def unseen_class(nb: GaussianNB, lr: object, x_seen: np.ndarray, x_unseen: np.ndarray) -> UnseenClass:
    """Score inputs of the training classes (``x_seen``) and of a new class (``x_unseen``) with both fitted models."""
    nb_seen, nb_unseen = nb.log_prob(x_seen), nb.log_prob(x_unseen)
    lr_seen, lr_unseen = lr.predict_proba(x_seen).max(axis=1), lr.predict_proba(x_unseen).max(axis=1)
    return UnseenClass(
        nb=nb,
        lr=lr,
        nb_log_prob_seen=nb_seen,
        nb_log_prob_unseen=nb_unseen,
        lr_confidence_seen=lr_seen,
        lr_confidence_unseen=lr_unseen,
        nb_auc=auroc(-nb_unseen, -nb_seen),
        lr_auc=auroc(-lr_unseen, -lr_seen),
    )


def unseen_digit(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    seen: Sequence[int],
    unseen: int,
    max_iter: int | None = None,
) -> UnseenClass:
    """Fit both models on the training images of the ``seen`` digits only, then score the test images of the
    ``seen`` digits against the test images of the ``unseen`` digit."""
    if unseen in seen:
        raise ValueError(f"the unseen digit {unseen} is one of the seen digits {tuple(seen)}")
    train = np.isin(y_train, seen)
    nb = GaussianNB().fit(x_train[train], y_train[train])
    lr = fit_logistic_regression(x_train[train], y_train[train], max_iter=max_iter)
    return unseen_class(nb, lr, x_test[np.isin(y_test, seen)], x_test[y_test == unseen])


@dataclass
class UnseenClassTable:
    """ROC AUCs for many experiments: row k trained on digits ``seen[k]`` and met digit ``unseen[k]``."""

    seen: np.ndarray  # (K, 2)
    unseen: np.ndarray  # (K,)
    nb_auc: np.ndarray  # (K,)
    lr_auc: np.ndarray  # (K,)

    def by_unseen_digit(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The digits that played the newcomer, and NB's and LR's mean AUC for each."""
        digits = np.unique(self.unseen)
        nb = np.array([self.nb_auc[self.unseen == d].mean() for d in digits])
        lr = np.array([self.lr_auc[self.unseen == d].mean() for d in digits])
        return digits, nb, lr

    def summary(self) -> str:
        """Mean AUC of each model over all experiments, and how often NB's score beats LR's."""
        return (
            f"{len(self.unseen)} experiments (2 seen digits, 1 unseen): mean ROC AUC "
            f"NB log p(x) {self.nb_auc.mean():.3f}, LR confidence {self.lr_auc.mean():.3f}; "
            f"NB higher in {np.mean(self.nb_auc > self.lr_auc):.0%} of them"
        )


def unseen_digit_table(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    pairs: Sequence[tuple[int, int]] | None = None,
    max_iter: int | None = None,
) -> UnseenClassTable:
    """Repeat the unseen-digit experiment for every pair of seen digits (default: all 45) and every other digit."""
    digits = np.unique(y_train).tolist()
    pairs = list(itertools.combinations(digits, 2)) if pairs is None else [tuple(p) for p in pairs]
    seen, unseen, nb_auc, lr_auc = [], [], [], []
    for pair in pairs:
        train = np.isin(y_train, pair)
        nb = GaussianNB().fit(x_train[train], y_train[train])
        lr = fit_logistic_regression(x_train[train], y_train[train], max_iter=max_iter)
        x_seen = x_test[np.isin(y_test, pair)]
        for digit in digits:
            if digit in pair:
                continue
            result = unseen_class(nb, lr, x_seen, x_test[y_test == digit])
            seen.append(pair)
            unseen.append(digit)
            nb_auc.append(result.nb_auc)
            lr_auc.append(result.lr_auc)
    return UnseenClassTable(np.array(seen), np.array(unseen), np.array(nb_auc), np.array(lr_auc))
