"""Figures for the notebooks (matplotlib only), one module per kind of figure:

    style        the look: text no smaller than 9 points, applied inside each figure function; compact PNGs
    images       digit grids and labelled rows of images
    training     loss and adversarial curves, class shares, accuracy bars
    latent       latent maps, pair canvases, alpha sweeps, the explorer's picture, animations
    imagination  target rate against realism, digits moved along style axes
    copying      generated digits above their nearest training digits; the memorisation sweep
    two_d        two-dimensional toy data: decision regions, densities, flows on points
    diffusion    noising points, the paths samplers take, quality against sampling steps
    classifiers  Naive Bayes versus logistic regression on digits
    sequences    HMM versus CRF: tag transitions, tagging accuracy

Each figure function draws in the course's style (text no smaller than 9 points) without changing the
caller's matplotlib settings; importing this package changes nothing. ``compact_png`` makes a figure's PNG
8-bit greyscale when it is grey (digit grids), a 256-colour palette otherwise: the course runner stores
every notebook's figures so, and a notebook full of digits stays small on disk and on the web. Every
figure function is reachable as ``gm.plot.<name>``.
"""

from gmtutor.tools.plot.classifiers import (
    class_parameter_images,
    learning_curves,
    naive_bayes_samples,
    newcomer_verdicts,
    unseen_class_scores,
    unseen_digit_aucs,
)
from gmtutor.tools.plot.copying import memorisation_curves, nearest_training_digits
from gmtutor.tools.plot.diffusion import (
    guidance_trade,
    noising_on_points,
    objective_experiment,
    sampling_paths,
    steps_vs_quality,
)
from gmtutor.tools.plot.images import digits_by_class, image_rows, show_images, tile
from gmtutor.tools.plot.imagination import attribute_sweeps, imagination_map
from gmtutor.tools.plot.latent import (
    AnimatedSweep,
    alpha_sweep,
    compare_sweeps,
    explorer_snapshot,
    latent_map,
    latent_scatter,
    pair_canvas,
    sweep_animation,
    transfer_matrix,
)
from gmtutor.tools.plot.sequences import tagging_curves, transition_matrix
from gmtutor.tools.plot.style import PART_NAMES, SMALL, STYLE, compact_png, figure_png
from gmtutor.tools.plot.training import (
    accuracy_bars,
    adversarial_curves,
    class_bars,
    generator_loss_shapes,
    loss_curves,
)
from gmtutor.tools.plot.two_d import (
    flow_on_points,
    generative_vs_discriminative_2d,
    real_and_sampled_2d,
    unseen_class_2d,
)

__all__ = [
    "AnimatedSweep",
    "PART_NAMES",
    "SMALL",
    "STYLE",
    "accuracy_bars",
    "adversarial_curves",
    "alpha_sweep",
    "attribute_sweeps",
    "class_bars",
    "class_parameter_images",
    "compact_png",
    "compare_sweeps",
    "digits_by_class",
    "explorer_snapshot",
    "figure_png",
    "flow_on_points",
    "generative_vs_discriminative_2d",
    "generator_loss_shapes",
    "guidance_trade",
    "image_rows",
    "imagination_map",
    "latent_map",
    "latent_scatter",
    "learning_curves",
    "loss_curves",
    "memorisation_curves",
    "naive_bayes_samples",
    "nearest_training_digits",
    "newcomer_verdicts",
    "noising_on_points",
    "objective_experiment",
    "pair_canvas",
    "real_and_sampled_2d",
    "sampling_paths",
    "show_images",
    "steps_vs_quality",
    "sweep_animation",
    "tagging_curves",
    "tile",
    "transfer_matrix",
    "transition_matrix",
    "unseen_class_2d",
    "unseen_class_scores",
    "unseen_digit_aucs",
]
