"""GaussianNB: agrees with scikit-learn, samples from its own Gaussians, and finds unseen inputs unlikely."""

import numpy as np
import pytest
import torch
from scipy.special import logsumexp
from sklearn.exceptions import NotFittedError
from sklearn.naive_bayes import GaussianNB as SklearnGaussianNB

import gmtutor as gm
from gmtutor.tools.classifiers import pixels


def blobs(n_per_class=200, centres=((0.0, 0.0, 0.0), (3.0, -1.0, 2.0), (-2.0, 4.0, 1.0)), seed=0):
    """Three classes of axis-aligned Gaussians in 3-D with different spreads; labels 10, 20, 30."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(c, 0.5 + i, size=(n_per_class, 3)) for i, c in enumerate(centres)])
    y = np.repeat([10, 20, 30], n_per_class)
    return x, y


@pytest.fixture(scope="module")
def digits():
    mnist = gm.load_mnist("embedded")
    return pixels(mnist.x_train[:1000]), mnist.y_train[:1000].numpy(), pixels(mnist.x_test[:300])


@pytest.mark.parametrize("var_smoothing", [1e-9, 0.05, 0.5])
def test_agrees_with_scikit_learn_on_mnist(digits, var_smoothing):
    x, y, x_new = digits
    ours = gm.GaussianNB(var_smoothing=var_smoothing).fit(x, y)
    ref = SklearnGaussianNB(var_smoothing=var_smoothing).fit(x.astype(np.float64), y)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    np.testing.assert_allclose(ours.class_prior_, ref.class_prior_)
    np.testing.assert_allclose(ours.means_, ref.theta_, atol=1e-10)
    np.testing.assert_allclose(ours.variances_, ref.var_, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(ours.epsilon_, ref.epsilon_)
    joint = ref.predict_joint_log_proba(x_new.astype(np.float64))
    np.testing.assert_allclose(ours.joint_log_prob(x_new), joint, rtol=1e-9)
    np.testing.assert_allclose(ours.log_prob(x_new), logsumexp(joint, axis=1), rtol=1e-9)
    np.testing.assert_allclose(ours.predict_proba(x_new), ref.predict_proba(x_new.astype(np.float64)), atol=1e-9)
    np.testing.assert_array_equal(ours.predict(x_new), ref.predict(x_new.astype(np.float64)))


def test_agrees_with_scikit_learn_with_arbitrary_labels():
    x, y = blobs()
    x_new, _ = blobs(n_per_class=50, seed=1)
    ours, ref = gm.GaussianNB().fit(x, y), SklearnGaussianNB(var_smoothing=gm.GaussianNB().var_smoothing).fit(x, y)
    assert ours.classes_.tolist() == [10, 20, 30]
    np.testing.assert_allclose(ours.predict_proba(x_new), ref.predict_proba(x_new), atol=1e-12)
    np.testing.assert_array_equal(ours.predict(x_new), ref.predict(x_new))


def test_default_smoothing_beats_scikit_learns_default_on_mnist(digits):
    mnist = gm.load_mnist("embedded")
    x, y, _ = digits
    x_test, y_test = pixels(mnist.x_test), mnist.y_test.numpy()
    ours = np.mean(gm.GaussianNB().fit(x, y).predict(x_test) == y_test)
    tiny = np.mean(gm.GaussianNB(var_smoothing=1e-9).fit(x, y).predict(x_test) == y_test)
    assert ours > 0.7 and ours > tiny + 0.1


def test_bayes_rule_ties_the_three_outputs_together():
    x, y = blobs()
    nb = gm.GaussianNB().fit(x, y)
    proba = nb.predict_proba(x[:50])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.log(proba), nb.joint_log_prob(x[:50]) - nb.log_prob(x[:50])[:, None], atol=1e-12)
    assert np.mean(nb.predict(x) == y) > 0.9


def test_constant_pixels_do_not_blow_up():
    x = np.zeros((20, 4))
    x[:10, 0] = np.linspace(0, 1, 10)  # only feature 0 varies, and only in class 0
    y = np.repeat([0, 1], 10)
    nb = gm.GaussianNB(var_smoothing=0.1).fit(x, y)
    assert nb.variances_.min() == pytest.approx(0.1 * x[:, 0].var())
    ink_where_never_seen = np.array([[0.5, 1.0, 1.0, 1.0]])
    assert np.all(np.isfinite(nb.joint_log_prob(ink_where_never_seen)))
    assert np.all(np.isfinite(nb.predict_proba(ink_where_never_seen)))


def test_all_constant_features_still_give_positive_variances():
    nb = gm.GaussianNB().fit(np.ones((6, 3)), np.array([0, 0, 0, 1, 1, 1]))
    assert np.all(nb.variances_ > 0) and np.all(np.isfinite(nb.log_prob(np.zeros((2, 3)))))


def test_sampled_class_statistics_match_the_fitted_ones():
    x, y = blobs()
    nb = gm.GaussianNB().fit(x, y)
    n = 20_000
    for k, label in enumerate(nb.classes_):
        draws = nb.sample(n, label=label, generator=k)
        assert draws.shape == (n, 3)
        standard_error = np.sqrt(nb.variances_[k] / n)
        assert np.all(np.abs(draws.mean(axis=0) - nb.means_[k]) < 5 * standard_error)
        np.testing.assert_allclose(draws.var(axis=0), nb.variances_[k], rtol=0.05)
        assert np.abs(np.corrcoef(draws, rowvar=False)[0, 1]) < 0.05  # features are independent
    # samples are classified as the class they were drawn from
    assert np.mean(nb.predict(nb.sample(500, label=20, generator=9)) == 20) > 0.9


def test_sampling_is_reproducible_with_a_seed():
    x, y = blobs()
    nb = gm.GaussianNB().fit(x, y)
    np.testing.assert_array_equal(nb.sample(5, label=10, generator=3), nb.sample(5, label=10, generator=3))
    assert not np.array_equal(nb.sample(5, label=10, generator=3), nb.sample(5, label=10, generator=4))


def test_mnist_samples_look_like_their_class_mean(digits):
    x, y, _ = digits
    nb = gm.GaussianNB().fit(x, y)
    draws = nb.sample(2000, label=3, generator=0)
    distance_to_means = np.linalg.norm(draws.mean(axis=0) - nb.means_, axis=1)
    assert np.argmin(distance_to_means) == 3


def test_log_prob_is_lower_for_an_unseen_class():
    rng = np.random.default_rng(0)
    seen_a = rng.normal([0, 0, 0, 0], 0.5, size=(300, 4))
    seen_b = rng.normal([3, 3, 0, 0], 0.5, size=(300, 4))
    unseen = rng.normal([1.5, 1.5, 4, -4], 0.5, size=(300, 4))  # between the two in x1, x2; far in x3, x4
    nb = gm.GaussianNB().fit(np.concatenate([seen_a[:200], seen_b[:200]]), np.repeat([0, 1], 200))
    seen_test = nb.log_prob(np.concatenate([seen_a[200:], seen_b[200:]]))
    unseen_test = nb.log_prob(unseen)
    assert unseen_test.max() < np.percentile(seen_test, 1)
    assert np.median(unseen_test) < np.median(seen_test) - 20


def test_takes_torch_tensors_and_image_shapes(digits):
    x, y, x_new = digits
    from_numpy = gm.GaussianNB().fit(x, y)
    from_torch = gm.GaussianNB().fit(torch.from_numpy(x).reshape(-1, 1, 28, 28), torch.from_numpy(y))
    np.testing.assert_allclose(from_torch.log_prob(torch.from_numpy(x_new)), from_numpy.log_prob(x_new))


def test_errors_say_what_to_do(digits):
    x, y, _ = digits
    with pytest.raises(TypeError, match="pixels"):
        gm.GaussianNB().fit((x * 255).astype(np.uint8), y)
    with pytest.raises(NotFittedError, match="fit"):
        gm.GaussianNB().predict(x)
    nb = gm.GaussianNB().fit(x, y)
    with pytest.raises(ValueError, match="unknown class 11"):
        nb.sample(3, label=11)
    with pytest.raises(ValueError, match="784"):
        nb.predict(x[:, :100])
    with pytest.raises(ValueError, match="rows"):
        gm.GaussianNB().fit(x, y[:-1])
    unfit = gm.GaussianNB(var_smoothing=0)  # scikit-learn's convention: parameters are checked in fit
    with pytest.raises(ValueError, match="positive"):
        unfit.fit(x, y)


def test_it_follows_scikit_learns_conventions(digits):
    from sklearn.base import clone
    from sklearn.model_selection import cross_val_score

    x, y, _ = digits
    nb = gm.GaussianNB(var_smoothing=0.1)
    assert nb.get_params() == {"var_smoothing": 0.1} and repr(nb) == "GaussianNB(var_smoothing=0.1)"
    twin = clone(nb.fit(x, y))
    assert twin.var_smoothing == 0.1 and not hasattr(twin, "means_")  # a clone is a fresh, unfitted copy
    scores = cross_val_score(gm.GaussianNB(), x, y, cv=3)
    assert len(scores) == 3 and scores.min() > 0.5  # ten digits: chance is 0.1
    assert nb.score(x, y) == pytest.approx(np.mean(nb.predict(x) == y))


def test_sampling_without_a_label_follows_the_prior_and_temperature_scales_the_spread():
    rng = np.random.default_rng(0)
    sizes = (100, 300, 600)  # far-apart classes with an uneven prior: each draw's class is plain to see
    x = np.concatenate([rng.normal(50.0 * k, 1.0, size=(m, 3)) for k, m in enumerate(sizes)])
    nb = gm.GaussianNB().fit(x, np.repeat([10, 20, 30], sizes))
    drawn = nb.sample(6000, generator=np.random.default_rng(0))
    shares = np.bincount(np.searchsorted(nb.classes_, nb.predict(drawn)), minlength=len(nb.classes_)) / 6000
    np.testing.assert_allclose(shares, nb.class_prior_, atol=0.03)
    np.testing.assert_allclose(nb.sample(4, label=10, temperature=0.0), np.repeat(nb.means_[:1], 4, axis=0))
    torch_drawn = nb.sample(5, generator=torch.Generator().manual_seed(0))  # the torch models' generator works too
    np.testing.assert_array_equal(torch_drawn, nb.sample(5, generator=torch.Generator().manual_seed(0)))
    with pytest.raises(ValueError, match="temperature"):
        nb.sample(3, temperature=-1.0)
