"""The bootstrap spread: the standard error of a mean, and groups resampled whole."""

import numpy as np
import pytest

from gmtutor.tools.spread import bootstrap_spread


def test_the_spread_of_a_mean_is_its_standard_error():
    values = np.random.default_rng(0).normal(size=400)
    spread = bootstrap_spread(np.arange(400), lambda i: values[i].mean(), draws=400)
    assert spread == pytest.approx(1 / np.sqrt(400), rel=0.15)


def test_groups_are_resampled_whole():
    rng = np.random.default_rng(1)
    group_values = rng.normal(size=40)
    groups = np.repeat(np.arange(40), 9)  # nine moves of each of forty source digits, all alike
    values = group_values[groups]
    grouped = bootstrap_spread(groups, lambda i: values[i].mean(), draws=400)
    assert grouped == pytest.approx(group_values.std() / np.sqrt(40), rel=0.2)  # forty draws, not 360
    as_if_independent = bootstrap_spread(np.arange(len(values)), lambda i: values[i].mean(), draws=400)
    assert as_if_independent < 0.6 * grouped  # treating the moves as independent would understate it


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="2 draws"):
        bootstrap_spread(np.arange(5), np.mean, draws=1)
    with pytest.raises(ValueError, match="nothing to resample"):
        bootstrap_spread(np.array([]), np.mean)
