"""HMM vs CRF on the Turkish Web Treebank: tagging accuracy (all, seen and unseen words), fit seconds, and
accuracy against the number of training sentences (notebook 01b's numbers).

    python benchmarks/tagging.py
"""

from __future__ import annotations

import time

from common import save_results

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
    rows = []
    for name, make in TAGGERS.items():
        start = time.perf_counter()
        tagger = make().fit(corpus.train)
        seconds = time.perf_counter() - start
        scores = accuracy(tagger, corpus.test, known)
        print(
            f"{name:<20} {scores['all']:7.1%} {scores['seen words']:7.1%} {scores['unseen words']:7.1%} {seconds:6.1f}"
        )
        rows.append({"tagger": name, **scores, "fit seconds": seconds})
    sizes = [25, 50, 100, 200, 400, 800, 1600, len(corpus.train)]
    curve = learning_curve(TAGGERS, corpus, sizes)
    print(curve.table())
    unseen = 1 - sum(word in known for s in corpus.test for word, _ in s) / sum(len(s) for s in corpus.test)
    results = {"taggers": rows, "sizes": sizes, "curves": curve.accuracy, "unseen test words": unseen}
    results.update(train_sentences=len(corpus.train), test_sentences=len(corpus.test))
    save_results("tagging", results, data=corpus.describe())


if __name__ == "__main__":
    main()
