"""A hidden Markov model tagger: Naive Bayes's idea for sequences, generative, fitted by counting.

The HMM models the joint probability of a sentence's tags y and words x,

    p(x, y) = p(y_1) * prod_i p(y_i | y_{i-1}) * prod_i p(x_i | y_i) * p(end | y_n),

so, like Naive Bayes, it can generate: draw a tag from the start distribution, a word from that tag,
the next tag from the transition row, and so on until the end. Tagging a sentence asks for the tags
that make the observed words most probable, ``argmax_y p(x, y)``, which the Viterbi algorithm finds
exactly in O(n T^2) time instead of trying all T^n tag sequences; the forward algorithm sums
``p(x, y)`` over all of them, in the same time, to give ``p(x)``.

Both algorithms are written out below (a few lines each, in log space so long sentences do not
underflow) because they are the lesson; scikit-learn has no HMM and ``hmmlearn`` fits HMMs without
labels, by EM, which is not the comparison the course makes.

Words never seen in training share one ``<unk>`` word. Its emission counts come from the words seen
only once, so an unknown word is more probably a noun or a verb (open classes, full of rare words)
than a conjunction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy.special import logsumexp

from gmtutor.core.treebank import Sentence

UNKNOWN = "<unk>"


class HiddenMarkovTagger:
    """A first-order HMM over tags, with add-``smoothing`` counts; ``fit`` takes tagged sentences."""

    def __init__(self, smoothing: float = 0.01):
        if smoothing <= 0:
            raise ValueError(f"smoothing must be positive (it keeps unseen events possible), got {smoothing}")
        self.smoothing = smoothing

    # --- fitting: counting and normalising ------------------------------------------------------------
    def fit(self, sentences: Sequence[Sentence]) -> HiddenMarkovTagger:
        """Count starts, transitions (including to the end) and emissions in ``sentences``; return self."""
        sentences = [s for s in sentences if s]
        if not sentences:
            raise ValueError("fit needs at least one non-empty tagged sentence")
        word_counts = Counter(word for sentence in sentences for word, _ in sentence)
        self.tags_ = sorted({tag for sentence in sentences for _, tag in sentence})
        self.words_ = [UNKNOWN, *sorted(word_counts)]
        self._tag_index = {tag: i for i, tag in enumerate(self.tags_)}
        self._word_index = {word: i for i, word in enumerate(self.words_)}
        n_tags, end = len(self.tags_), len(self.tags_)

        starts = np.full(n_tags, self.smoothing)
        transitions = np.full((n_tags, n_tags + 1), self.smoothing)  # the last column: the sentence ends
        emissions = np.full((n_tags, len(self.words_)), self.smoothing)
        tag_counts = np.zeros(n_tags)
        for sentence in sentences:
            tags = [self._tag_index[tag] for _, tag in sentence]
            starts[tags[0]] += 1
            for before, after in zip(tags, [*tags[1:], end], strict=True):
                transitions[before, after] += 1
            for (word, _), tag in zip(sentence, tags, strict=True):
                tag_counts[tag] += 1
                emissions[tag, self._word_index[word]] += 1
                if word_counts[word] == 1:  # a word seen once stands in for the words never seen
                    emissions[tag, 0] += 1

        self.log_start_ = np.log(starts / starts.sum())
        self.log_transition_ = np.log(transitions / transitions.sum(1, keepdims=True))
        self.log_emission_ = np.log(emissions / emissions.sum(1, keepdims=True))
        self.log_tag_share_ = np.log(tag_counts / tag_counts.sum())
        return self

    def encode(self, words: Sequence[str]) -> np.ndarray:
        """Word indices, with ``<unk>`` (0) for words not seen in training."""
        return np.array([self._word_index.get(word, 0) for word in words], dtype=int)

    # --- the two dynamic programmes -------------------------------------------------------------------
    def viterbi(self, words: Sequence[str]) -> list[str]:
        """The most probable tags, ``argmax_y p(words, y)``."""
        x = self._checked(words)
        n_tags = len(self.tags_)
        best = self.log_start_ + self.log_emission_[:, x[0]]  # best[t]: the best path so far ending in t
        came_from = np.zeros((len(x), n_tags), dtype=int)
        for i in range(1, len(x)):
            scores = best[:, None] + self.log_transition_[:, :n_tags]  # [previous tag, this tag]
            came_from[i] = scores.argmax(0)
            best = scores.max(0) + self.log_emission_[:, x[i]]
        path = [int((best + self.log_transition_[:, n_tags]).argmax())]
        for i in range(len(x) - 1, 0, -1):
            path.append(int(came_from[i, path[-1]]))
        return [self.tags_[t] for t in reversed(path)]

    def log_likelihood(self, words: Sequence[str]) -> float:
        """log p(words), summed over every tag sequence by the forward algorithm (nats)."""
        x = self._checked(words)
        n_tags = len(self.tags_)
        forward = self.log_start_ + self.log_emission_[:, x[0]]  # forward[t]: log p(words so far, tag t now)
        for i in range(1, len(x)):
            step = logsumexp(forward[:, None] + self.log_transition_[:, :n_tags], axis=0)
            forward = step + self.log_emission_[:, x[i]]
        return float(logsumexp(forward + self.log_transition_[:, n_tags]))

    def bag_of_words_log_prob(self, words: Sequence[str]) -> float:
        """log of the words' probability as a bag: each word drawn on its own, p(w) = sum_t p(t) p(w | t), with
        p(t) the tag's share of training words. The same words in any order get the same number, so
        ``log_likelihood(words) - bag_of_words_log_prob(words)`` is what the order adds."""
        x = self._checked(words)
        return float(logsumexp(self.log_tag_share_[:, None] + self.log_emission_[:, x], axis=0).sum())

    def log_joint(self, words: Sequence[str], tags: Sequence[str]) -> float:
        """log p(words, tags) for one tag sequence: the sum that Viterbi maximises and forward adds up."""
        x = self._checked(words)
        if len(tags) != len(x):
            raise ValueError(f"{len(tags)} tags for {len(x)} words")
        y = [self._tag_index[tag] for tag in tags]
        total = self.log_start_[y[0]] + self.log_transition_[y[-1], len(self.tags_)]
        total += sum(self.log_transition_[a, b] for a, b in zip(y[:-1], y[1:], strict=True))
        return float(total + sum(self.log_emission_[t, w] for t, w in zip(y, x, strict=True)))

    # --- what only a generative model can do ----------------------------------------------------------
    def sample(
        self,
        n: int,
        *,
        generator: int | np.random.Generator | None = None,
        temperature: float = 1.0,
        max_length: int = 60,
    ) -> list[Sentence]:
        """``n`` new tagged sentences drawn from p(x, y) (never the ``<unk>`` word), cut at ``max_length``.

        ``generator`` is a NumPy generator or a seed; ``temperature`` sharpens (below 1) or flattens (above 1)
        every distribution drawn from, p ** (1 / temperature) renormalised (0: always the likeliest)."""
        if temperature < 0:
            raise ValueError(f"temperature cannot be negative, got {temperature}")
        rng = np.random.default_rng(generator)
        start, transition = (
            _tempered(np.exp(self.log_start_), temperature),
            _tempered(np.exp(self.log_transition_), temperature),
        )
        emission = np.exp(self.log_emission_[:, 1:])
        emission = _tempered(emission / emission.sum(1, keepdims=True), temperature)
        sentences = []
        for _ in range(n):
            tag, sentence = rng.choice(len(start), p=start), []
            while tag != len(self.tags_) and len(sentence) < max_length:
                word = self.words_[1 + rng.choice(emission.shape[1], p=emission[tag])]
                sentence.append((word, self.tags_[tag]))
                tag = rng.choice(transition.shape[1], p=transition[tag])
            sentences.append(sentence)
        return sentences

    def predict(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """Viterbi tags for each sentence of words."""
        return [self.viterbi(words) for words in sentences]

    def _checked(self, words: Sequence[str]) -> np.ndarray:
        if not hasattr(self, "tags_"):
            raise RuntimeError("this HiddenMarkovTagger is not fitted yet: call fit(tagged_sentences) first")
        if len(words) == 0:
            raise ValueError("a sentence needs at least one word")
        return self.encode(words)


def _tempered(p: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities along the last axis raised to 1 / temperature and renormalised (0: the likeliest only)."""
    if temperature == 1.0:
        return p
    if temperature == 0.0:
        return (p == p.max(-1, keepdims=True)) / (p == p.max(-1, keepdims=True)).sum(-1, keepdims=True)
    sharpened = np.power(p, 1.0 / temperature)
    return sharpened / sharpened.sum(-1, keepdims=True)
