"""HMM vs CRF: the treebank reader, the HMM's two dynamic programmes against brute force, and learning."""

import itertools
import math

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.metrics import accuracy_score

from gmtutor.core import treebank
from gmtutor.core.treebank import TreebankMissing, load_treebank, read_conllu
from gmtutor.models.crf import ChainCRFTagger, word_features
from gmtutor.models.hmm import UNKNOWN, HiddenMarkovTagger

TOY = [
    [("the", "DET"), ("dog", "NOUN"), ("runs", "VERB")],
    [("a", "DET"), ("cat", "NOUN"), ("sleeps", "VERB")],
    [("dogs", "NOUN"), ("run", "VERB")],
    [("the", "DET"), ("cat", "NOUN"), ("runs", "VERB"), ("home", "NOUN")],
    [("run", "VERB")],
]


@pytest.fixture(scope="module")
def toy_hmm() -> HiddenMarkovTagger:
    return HiddenMarkovTagger(smoothing=0.5).fit(TOY)


@pytest.fixture(scope="module")
def corpus() -> treebank.TaggedCorpus:
    return load_treebank()


def _all_tag_sequences(hmm: HiddenMarkovTagger, n: int):
    return itertools.product(hmm.tags_, repeat=n)


@pytest.mark.parametrize("words", [["the"], ["cat", "runs"], ["a", "dog", "sleeps", "home"], ["zebra", "the", "run"]])
def test_viterbi_finds_the_brute_force_best_tags(toy_hmm, words):
    scored = {tags: toy_hmm.log_joint(words, tags) for tags in _all_tag_sequences(toy_hmm, len(words))}
    best = max(scored, key=scored.get)
    assert tuple(toy_hmm.viterbi(words)) == best
    assert len(set(np.round(list(scored.values()), 6))) > 1  # the choice is not a tie


@pytest.mark.parametrize("words", [["dog"], ["the", "cat"], ["a", "dogs", "run", "home", "zebra"]])
def test_forward_equals_the_sum_over_all_tag_paths(toy_hmm, words):
    brute = logsumexp([toy_hmm.log_joint(words, tags) for tags in _all_tag_sequences(toy_hmm, len(words))])
    assert toy_hmm.log_likelihood(words) == pytest.approx(brute, abs=1e-9)


def test_a_bag_of_words_ignores_order_and_the_chain_does_not(toy_hmm):
    words, reordered = ["the", "dog", "runs"], ["runs", "dog", "the"]
    by_hand = sum(
        logsumexp([toy_hmm.log_tag_share_[t] + toy_hmm.log_emission_[t, toy_hmm.encode([w])[0]] for t in range(3)])
        for w in words
    )
    assert toy_hmm.bag_of_words_log_prob(words) == pytest.approx(by_hand)
    assert toy_hmm.bag_of_words_log_prob(reordered) == pytest.approx(by_hand)
    assert toy_hmm.log_likelihood(words) > toy_hmm.log_likelihood(reordered) + 2.0


def test_probabilities_are_normalised_counts(toy_hmm):
    assert np.exp(toy_hmm.log_start_).sum() == pytest.approx(1.0)
    assert np.allclose(np.exp(toy_hmm.log_transition_).sum(1), 1.0)
    assert np.allclose(np.exp(toy_hmm.log_emission_).sum(1), 1.0)
    det, noun, end = toy_hmm.tags_.index("DET"), toy_hmm.tags_.index("NOUN"), len(toy_hmm.tags_)
    # DET is followed by NOUN three times out of three: (3 + 0.5) / (3 + 4 * 0.5) with 3 tags and the end
    assert math.exp(toy_hmm.log_transition_[det, noun]) == pytest.approx(3.5 / 5.0)
    assert math.exp(toy_hmm.log_transition_[det, end]) == pytest.approx(0.5 / 5.0)


def test_unseen_words_get_the_tags_of_rare_words(toy_hmm):
    unknown = toy_hmm.log_emission_[:, 0]
    assert toy_hmm.words_[0] == UNKNOWN
    # nouns seen once: dog, dogs, home; NOUN's emissions: 5 words + 3 for <unk> + 0.5 for each of 10 words
    assert math.exp(unknown[toy_hmm.tags_.index("NOUN")]) == pytest.approx(3.5 / 13)
    assert unknown[toy_hmm.tags_.index("DET")] < unknown[toy_hmm.tags_.index("NOUN")]  # one determiner seen once


def test_samples_follow_the_model(toy_hmm):
    samples = toy_hmm.sample(3000, generator=np.random.default_rng(1))
    first = [s[0][1] for s in samples]
    for i, tag in enumerate(toy_hmm.tags_):
        assert first.count(tag) / len(first) == pytest.approx(math.exp(toy_hmm.log_start_[i]), abs=0.03)
    assert all(word != UNKNOWN for s in samples for word, _ in s)
    assert len({len(s) for s in samples}) > 2  # the end transition varies the length


def test_temperature_sharpens_the_samples_and_zero_always_takes_the_likeliest(toy_hmm):
    likeliest = toy_hmm.tags_[int(np.argmax(toy_hmm.log_start_))]
    frozen = toy_hmm.sample(50, generator=0, temperature=0.0, max_length=3)
    assert all(s[0][1] == likeliest for s in frozen) and len({tuple(t for _, t in s) for s in frozen}) == 1
    warm = [s[0][1] for s in toy_hmm.sample(2000, generator=1, temperature=3.0)]
    cold = [s[0][1] for s in toy_hmm.sample(2000, generator=1, temperature=0.5)]
    assert cold.count(likeliest) > warm.count(likeliest)
    with pytest.raises(ValueError, match="temperature"):
        toy_hmm.sample(1, temperature=-1.0)


def test_bad_input_is_refused_clearly(toy_hmm):
    with pytest.raises(RuntimeError, match="not fitted"):
        HiddenMarkovTagger().viterbi(["a"])
    with pytest.raises(ValueError, match="at least one word"):
        toy_hmm.viterbi([])
    with pytest.raises(ValueError, match="smoothing"):
        HiddenMarkovTagger(smoothing=0)
    with pytest.raises(ValueError, match="feature_set"):
        ChainCRFTagger("suffixes")


def test_read_conllu_joins_inflectional_groups(tmp_path):
    rows = [
        "# text = Açıklanmayan soru.",
        "1\tAçık\taçık\tNOUN\tNN\t_\t2\tig\t_\tSpaceAfter=No",
        "2\tla\t_\tVERB\tVB\t_\t3\tig\t_\tSpaceAfter=No",
        "3\tyan\t_\tADJ\tVJ\t_\t4\tamod\t_\t_",
        "4\tsoru\tsoru\tNOUN\tNN\t_\t0\troot\t_\tSpaceAfter=No",
        "5\t.\t.\tPUNCT\t.\t_\t4\tp\t_\t_",
    ]
    path = tmp_path / "two.conllu"
    path.write_text("\n".join(rows) + "\n\n" + "\n".join(rows[:1] + rows[4:]) + "\n", encoding="utf-8")
    whole, pieces = read_conllu(path), read_conllu(path, whole_words=False)
    assert whole[0] == [("Açıklayan", "ADJ"), ("soru", "NOUN"), (".", "PUNCT")]
    assert len(pieces[0]) == 5 and pieces[1] == [("soru", "NOUN"), (".", "PUNCT")]
    path.write_text("1\tword\tNOUN\n", encoding="utf-8")
    with pytest.raises(ValueError, match="two.conllu"):
        read_conllu(path)


def test_a_missing_treebank_says_how_to_install_it(monkeypatch):
    def not_installed(name):
        raise treebank.PackageNotFoundError(name)

    monkeypatch.setattr(treebank, "distribution", not_installed)
    with pytest.raises(TreebankMissing, match="pip install turkish-treebanks"):
        load_treebank()


def test_the_treebank_loads_with_universal_tags(corpus):
    assert len(corpus.train) > 4000 and len(corpus.test) > 400
    assert {"NOUN", "VERB", "ADJ", "PUNCT", "ADP"} <= set(corpus.tags)
    assert corpus.tags[0] == "NOUN"
    assert not {tuple(s) for s in corpus.test} & {tuple(s) for s in corpus.train[:500]}


def test_both_taggers_learn_and_rich_features_help(corpus):
    train = corpus.subset(400).train
    words = [[w for w, _ in s] for s in corpus.test]
    gold = [t for s in corpus.test for _, t in s]
    majority = gold.count(corpus.tags[0]) / len(gold)
    hmm = accuracy_score(gold, sum(HiddenMarkovTagger().fit(train).predict(words), []))
    word_crf = ChainCRFTagger("word").fit(train)
    rich_crf = ChainCRFTagger("rich").fit(train)
    word_only = accuracy_score(gold, sum(word_crf.predict(words), []))
    rich = accuracy_score(gold, sum(rich_crf.predict(words), []))
    assert hmm > majority + 0.2 and word_only > majority + 0.2, (majority, hmm, word_only)
    assert rich > max(hmm, word_only) + 0.03, (hmm, word_only, rich)
    marginals = rich_crf.tag_probabilities(words[0])
    assert len(marginals) == len(words[0]) and sum(marginals[0].values()) == pytest.approx(1.0)


def test_rich_features_see_suffixes_and_neighbours():
    features = word_features(["Ankara'da", "kaldım", "."], "rich")
    assert features[0]["suffix2"] == "da" and features[0]["capital"] and features[0]["previous"] == "<start>"
    assert features[1]["next"] == "." and word_features(["x"], "word")[0].keys() == {"bias", "word"}
