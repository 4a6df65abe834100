"""A linear-chain conditional random field tagger: logistic regression's idea for sequences.

The CRF models only the tags given the words,

    p(y | x) = exp( sum_i w . f(y_{i-1}, y_i, x, i) ) / Z(x),

with features f that may look at *any* of the words (the word itself, its suffix, its neighbours)
because nothing has to say how the words were generated. Z(x) sums over every tag sequence, by the
same forward algorithm as the HMM's. The price: no p(x), so no sampling and no score for how
ordinary a sentence is.

Training is L-BFGS on the L2-penalised conditional log-likelihood, by CRFsuite (Okazaki, 2007)
through ``sklearn-crfsuite``: a well-kept C implementation, faster than anything this course could
write in a few lines, and the forward algorithm it runs is the one ``gmtutor.models.hmm`` shows.
"""

from __future__ import annotations

from collections.abc import Sequence

import sklearn_crfsuite

from gmtutor.core.treebank import Sentence

FEATURE_SETS = ("word", "rich")


def word_features(words: Sequence[str], feature_set: str = "rich") -> list[dict[str, str | bool]]:
    """CRFsuite features for each word of a sentence.

    ``"word"``: the lower-cased word only, the same evidence an HMM gets (plus the tag-to-tag weights
    every linear-chain CRF has). ``"rich"``: also its last 1-3 letters (Turkish marks case, tense and
    person with suffixes), its shape (capital, digits, punctuation) and the neighbouring words.
    """
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"feature_set must be one of {FEATURE_SETS}, got {feature_set!r}")
    features = []
    for i, word in enumerate(words):
        lower = word.lower()
        f: dict[str, str | bool] = {"bias": True, "word": lower}
        if feature_set == "rich":
            f.update(
                {
                    "suffix1": lower[-1:],
                    "suffix2": lower[-2:],
                    "suffix3": lower[-3:],
                    "capital": word[:1].isupper(),
                    "digit": any(c.isdigit() for c in word),
                    "alpha": word.isalpha(),
                    "previous": words[i - 1].lower() if i else "<start>",
                    "next": words[i + 1].lower() if i + 1 < len(words) else "<end>",
                }
            )
        features.append(f)
    return features


class ChainCRFTagger:
    """A linear-chain CRF over ``word_features``; ``fit`` takes tagged sentences, like the HMM."""

    def __init__(self, feature_set: str = "rich", c2: float = 0.01, max_iterations: int = 200):
        if feature_set not in FEATURE_SETS:
            raise ValueError(f"feature_set must be one of {FEATURE_SETS}, got {feature_set!r}")
        self.feature_set = feature_set
        self.crf = sklearn_crfsuite.CRF(algorithm="lbfgs", c2=c2, max_iterations=max_iterations)

    def fit(self, sentences: Sequence[Sentence]) -> ChainCRFTagger:
        sentences = [s for s in sentences if s]
        if not sentences:
            raise ValueError("fit needs at least one non-empty tagged sentence")
        self.crf.fit(
            [word_features([w for w, _ in s], self.feature_set) for s in sentences],
            [[t for _, t in s] for s in sentences],
        )
        return self

    def predict(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """The most probable tags of each sentence of words (Viterbi under the CRF's weights)."""
        return self.crf.predict([word_features(list(words), self.feature_set) for words in sentences])

    def tag_probabilities(self, words: Sequence[str]) -> list[dict[str, float]]:
        """p(y_i = tag | x) for each word: the marginals, from the forward-backward algorithm."""
        return self.crf.predict_marginals_single(word_features(list(words), self.feature_set))
