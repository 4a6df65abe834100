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


def test_a_difference_is_read_only_when_it_exceeds_twice_the_combined_spread():
    from gmtutor.tools.spread import differences

    rows = [
        {"model": "a", "alpha": 1.0, "FD": 50.0, "FD ±": 1.0},
        {"model": "b", "alpha": 1.0, "FD": 52.0, "FD ±": 1.0},  # 2 apart, combined spread 1.41: noise
        {"model": "c", "FD": 60.0, "FD ±": 3.0},  # 10 from a, combined 3.16: a difference
        {"model": "floor", "FD": 10.0},  # no spread: left out
    ]
    found = {(d["first"], d["second"]): d for d in differences(rows, "FD")}
    assert set(found) == {("a (alpha 1)", "b (alpha 1)"), ("a (alpha 1)", "c"), ("b (alpha 1)", "c")}
    assert not found[("a (alpha 1)", "b (alpha 1)")]["larger than the spread"]
    assert found[("a (alpha 1)", "c")]["larger than the spread"]
    assert found[("a (alpha 1)", "c")]["difference"] == -10.0
    assert found[("a (alpha 1)", "b (alpha 1)")]["spread"] == pytest.approx(2**0.5)
