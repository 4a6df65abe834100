"""The seed experiment's measurement: a cross-fade drifts towards 0; the copier 'passes' at once, by copying."""

import pytest

from gmtutor.tools.latent import PixelSpace
from gmtutor.tools.retrieval import StyleRetrieval
from gmtutor.tools.seed_experiment import seed_experiment


@pytest.fixture(scope="module")
def small(embedded):
    return embedded.per_class(train=100, test=20)


def test_moving_pixels_along_6_to_0_raises_p0_from_where_the_7s_start(small, short_judge):
    result = seed_experiment(PixelSpace(), small, short_judge, alphas=(0.0, 1.0, 2.0, 3.0))
    first, last = result.rows[0], result.rows[-1]
    assert first["p(7)"] > 0.6 and first["p(0)"] < 0.1  # alpha 0: the 7s themselves
    assert last["p(0)"] > first["p(0)"] + 0.1 and last["p(7)"] < first["p(7)"]
    assert first["copies"] < 0.2  # test 7s are not training digits
    assert result.floor_fd < last["FD"]
    assert ("passes" in result.summary()) == (result.crossing is not None)


def test_the_own_axis_points_where_the_digits_must_go_and_crosses_sooner(small, short_judge):
    alphas = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
    borrowed = seed_experiment(PixelSpace(), small, short_judge, alphas=alphas, axis=(6, 0))
    own = seed_experiment(PixelSpace(), small, short_judge, alphas=alphas, axis=(7, 0))
    assert own.axis_cosine == pytest.approx(1.0) and borrowed.axis_cosine < 0.9
    assert own.start == 7 and "along 7 -> 0" in own.summary()
    assert own.crossing is not None and own.crossing["alpha"] <= (borrowed.crossing or {"alpha": 9})["alpha"]
    assert own.best is not None and own.best["p(0)"] > own.best["p(7)"]
    assert own.best["FD"] == min(row["FD"] for row in own.rows if row["p(0)"] > row["p(7)"])


class CountingJudge:
    """The judge, counting how many batches of images it reads."""

    def __init__(self, judge):
        self.judge, self.reads = judge, 0

    def predict_proba(self, images):
        self.reads += 1
        return self.judge.predict_proba(images)

    def embed(self, images):
        return self.judge.embed(images)


def test_the_copier_passes_at_every_alpha_by_copying(small, short_judge):
    counting = CountingJudge(short_judge)
    result = seed_experiment(StyleRetrieval(small), small, counting, alphas=(0.0, 1.0, 2.0))
    assert counting.reads == 1  # its digits are the same at every alpha: read and scored once
    assert result.crossing is not None and result.crossing["alpha"] == 0.0
    assert result.crossing["copies"] == 1.0 and result.rows[0] == {**result.rows[1], "alpha": 0.0}
    assert "copies 100.0%" in result.summary()
    assert result.start is None and result.axis_cosine is None  # no axis: it relabels


def test_a_model_that_cannot_move_a_digit_is_refused(small, short_judge):
    import gmtutor as gm

    with pytest.raises(ValueError, match="no code space"):
        seed_experiment(gm.GAN(latent_dim=8), small, short_judge)
