"""Tagged sentences for the sequence half of "generative vs discriminative": the Turkish Web Treebank.

Google's Turkish Web Treebank (TWT; Apache 2.0 licence), installed from the package registry as
``turkish-treebanks``: 4,851 hand-annotated sentences from the web (forums, blogs, guides) and from
Wikipedia, every token tagged with one of the 12 universal part-of-speech tags of Petrov, Das &
McDonald (2012). The treebank cuts a word into inflectional groups (``Açık`` ``la`` ``nma`` ``yan``,
"the not-explained"); ``whole_words=True`` joins them back into the written word, tagged as its last
group is, since the last group says what the whole word does in the sentence.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from gmtutor.core.errors import GmtutorError

Sentence = list[tuple[str, str]]  # [(word, tag), ...]
PACKAGE = "turkish-treebanks"
DOMAINS = {"web": "data/web.conllu", "wiki": "data/wiki.conllu"}


class TreebankMissing(GmtutorError, FileNotFoundError):
    """The treebank's package is not installed, or its files are not where it put them."""


@dataclass(frozen=True)
class TaggedCorpus:
    """Tagged sentences split into training and test sets; ``source`` says where they came from."""

    train: list[Sentence]
    test: list[Sentence]
    source: str

    @property
    def tags(self) -> list[str]:
        """The tags of the training sentences, most frequent first."""
        return [tag for tag, _ in Counter(tag for sentence in self.train for _, tag in sentence).most_common()]

    def describe(self) -> str:
        words = sum(len(sentence) for sentence in self.train + self.test)
        return (
            f"{self.source}: {len(self.train):,} training and {len(self.test):,} test sentences, "
            f"{words:,} words, {len(self.tags)} tags"
        )

    def subset(self, n_train: int) -> TaggedCorpus:
        """The first ``n_train`` training sentences (they are in the treebank's order) and every test sentence."""
        if not 1 <= n_train <= len(self.train):
            raise ValueError(f"n_train must be between 1 and {len(self.train)}, got {n_train}")
        return TaggedCorpus(self.train[:n_train], self.test, f"{self.source} (first {n_train:,} training sentences)")


def read_conllu(path: Path, whole_words: bool = True) -> list[Sentence]:
    """The (word, universal tag) sentences of a CoNLL-U file; see the module docstring for ``whole_words``."""
    sentences: list[Sentence] = []
    for number, block in enumerate(Path(path).read_text(encoding="utf-8").strip().split("\n\n"), start=1):
        rows = [line.split("\t") for line in block.splitlines() if line and not line.startswith("#")]
        if any(len(row) != 10 for row in rows):
            raise ValueError(f"{path}: sentence {number} has a line without the 10 CoNLL-U columns")
        sentence: Sentence = []
        joins_next = False
        for row in rows:
            form, tag, relation, misc = row[1], row[3], row[7], row[9]
            if joins_next and whole_words:
                sentence[-1] = (sentence[-1][0] + form, tag)
            else:
                sentence.append((form, tag))
            joins_next = relation == "ig" and "SpaceAfter=No" in misc
        if sentence:
            sentences.append(sentence)
    return sentences


def treebank_file(domain: str) -> Path:
    """Where the installed package keeps one domain's CoNLL-U file."""
    if domain not in DOMAINS:
        raise ValueError(f"domain must be one of {', '.join(DOMAINS)}; got {domain!r}")
    try:
        path = Path(distribution(PACKAGE).locate_file(DOMAINS[domain]))
    except PackageNotFoundError:
        raise TreebankMissing(f"the Turkish Web Treebank is not installed: run `pip install {PACKAGE}`") from None
    if not path.is_file():
        raise TreebankMissing(f"{path} is missing; reinstall with `pip install --force-reinstall {PACKAGE}`")
    return path


def load_treebank(domains: tuple[str, ...] = ("web", "wiki"), test_every: int = 10) -> TaggedCorpus:
    """The treebank's sentences from ``domains``, whole words; every ``test_every``-th sentence is a test one."""
    if test_every < 2:
        raise ValueError(f"test_every must be at least 2, got {test_every}")
    sentences = [sentence for domain in domains for sentence in read_conllu(treebank_file(domain))]
    train = [s for i, s in enumerate(sentences, start=1) if i % test_every]
    test = [s for i, s in enumerate(sentences, start=1) if not i % test_every]
    return TaggedCorpus(train, test, f"Turkish Web Treebank ({' + '.join(domains)})")
