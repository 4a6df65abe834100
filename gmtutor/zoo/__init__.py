"""The course layer, above the models: the recipes each notebook trains with, the cache of trained models, and
the measurements kept beside them.

    gm.zoo.get("vae-20d", data)        the recipe's model: from the cache, shipped, or trained and saved (``cache``);
                                       it prints where it came from and what it was trained on (``provenance``)
    gm.recipe("vae-20d")               how it is built and trained (``recipes``)
    gm.zoo.remember(label, compute, **key)
                                       a measurement kept as JSON while its key matches (``results``)
"""

from gmtutor.zoo.cache import (
    MODELS_VERSION,
    Entry,
    StaleCheckpointWarning,
    cached,
    checkpoint_dir,
    clear,
    fingerprint,
    get,
    lock_path,
    provenance,
)
from gmtutor.zoo.recipes import RECIPES, Recipe, recipe
from gmtutor.zoo.results import RESULTS_VERSION, UnsavedResultWarning, clear_results, identity, remember, results_dir

__all__ = [
    "MODELS_VERSION",
    "RECIPES",
    "RESULTS_VERSION",
    "Entry",
    "Recipe",
    "StaleCheckpointWarning",
    "UnsavedResultWarning",
    "cached",
    "clear_results",
    "checkpoint_dir",
    "clear",
    "fingerprint",
    "get",
    "identity",
    "lock_path",
    "provenance",
    "recipe",
    "remember",
    "results_dir",
]
