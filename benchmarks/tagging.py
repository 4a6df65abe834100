"""HMM vs CRF on the Turkish Web Treebank: tagging accuracy (all, seen and unseen words), fit seconds, and
accuracy against the number of training sentences (notebook 01b's numbers).

    python benchmarks/tagging.py
"""

from __future__ import annotations

import time

from gmtutor.core.treebank import load_treebank
from gmtutor.models.crf import ChainCRFTagger
from gmtutor.models.hmm import HiddenMarkovTagger
from gmtutor.tools.tagging import accuracy, learning_curve

TAGGERS = {
    "HMM": HiddenMarkovTagger,
    "CRF, words only": lambda: ChainCRFTagger("word"),
    "CRF, rich features": lambda: ChainCRFTagger("rich"),
}


def main() -> None:
    corpus = load_treebank()
    print(corpus.describe())
    known = {word for sentence in corpus.train for word, _ in sentence}
    print(f"{'tagger':<20} {'all':>7} {'seen':>7} {'unseen':>7} {'fit s':>6}")
    for name, make in TAGGERS.items():
        start = time.perf_counter()
        tagger = make().fit(corpus.train)
        seconds = time.perf_counter() - start
        scores = accuracy(tagger, corpus.test, known)
        print(
            f"{name:<20} {scores['all']:7.1%} {scores['seen words']:7.1%} {scores['unseen words']:7.1%} {seconds:6.1f}"
        )
    sizes = [25, 50, 100, 200, 400, 800, 1600, len(corpus.train)]
    print(learning_curve(TAGGERS, corpus, sizes).table())


if __name__ == "__main__":
    main()
