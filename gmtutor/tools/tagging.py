"""Measuring taggers: accuracy (on known and unseen words), learning curves, and odd inputs.

A tagger is anything with ``fit(tagged_sentences)`` and ``predict(list_of_word_lists)``, such as
``gmtutor.models.hmm.HiddenMarkovTagger`` and ``gmtutor.models.crf.ChainCRFTagger``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import accuracy_score

from gmtutor.core.progress import progress_bar
from gmtutor.core.treebank import Sentence, TaggedCorpus


def words_of(sentences: Sequence[Sentence]) -> list[list[str]]:
    return [[word for word, _ in sentence] for sentence in sentences]


def tags_of(sentences: Sequence[Sentence]) -> list[list[str]]:
    return [[tag for _, tag in sentence] for sentence in sentences]


def accuracy(tagger: object, sentences: Sequence[Sentence], known_words: set[str] | None = None) -> dict[str, float]:
    """The share of words tagged right: over all words, and, given the training words, over the
    words seen in training and over those never seen."""
    predicted = [tag for tags in tagger.predict(words_of(sentences)) for tag in tags]
    gold = [tag for tags in tags_of(sentences) for tag in tags]
    result = {"all": accuracy_score(gold, predicted)}
    if known_words is not None:
        seen = np.array([word in known_words for words in words_of(sentences) for word in words])
        right = np.array(predicted) == np.array(gold)
        result["seen words"] = float(right[seen].mean())
        result["unseen words"] = float(right[~seen].mean()) if (~seen).any() else float("nan")
    return result


@dataclass
class TaggingCurve:
    """Test accuracy and fitting seconds of each tagger at each training-set size (sentences)."""

    sizes: list[int]
    accuracy: dict[str, list[float]]
    seconds: dict[str, list[float]]

    def table(self) -> str:
        names = list(self.accuracy)
        lines = [f"{'sentences':>9}  " + "  ".join(f"{name:>18}" for name in names)]
        for i, size in enumerate(self.sizes):
            cells = [f"{self.accuracy[n][i]:>10.1%} {self.seconds[n][i]:>6.1f} s" for n in names]
            lines.append(f"{size:>9,}  " + "  ".join(cells))
        return "\n".join(lines)


def learning_curve(
    taggers: dict[str, Callable[[], object]], corpus: TaggedCorpus, sizes: Sequence[int], progress: bool = True
) -> TaggingCurve:
    """Fit a fresh tagger from each factory on the first ``size`` training sentences, for every size,
    and score it on all test sentences (the Ng & Jordan question, for sequences)."""
    curve = TaggingCurve(list(sizes), {name: [] for name in taggers}, {name: [] for name in taggers})
    with progress_bar(len(sizes) * len(taggers), desc="fitting taggers", unit="fit", enabled=progress) as bar:
        for size in sizes:
            for name, make in taggers.items():
                start = time.perf_counter()
                tagger = make().fit(corpus.train[:size])
                curve.seconds[name].append(time.perf_counter() - start)
                curve.accuracy[name].append(accuracy(tagger, corpus.test)["all"])
                bar.update()
    return curve


def shuffled(sentences: Sequence[Sentence], seed: int = 0) -> list[Sentence]:
    """The same sentences with their (word, tag) pairs in random order: the words of real sentences,
    in an order no sentence has."""
    rng = np.random.default_rng(seed)
    return [[sentence[i] for i in rng.permutation(len(sentence))] for sentence in sentences]
