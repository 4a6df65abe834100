"""What the benchmark scripts share: where the real MNIST test files may be (they are optional)."""

import torch

from gmtutor.core.data import MNIST_FILES, read_idx_file
from gmtutor.core.runtime import checkout_root

# The real MNIST test set beside the checkout, used for evaluation when present; no benchmark needs it.
SHARED_MNIST = checkout_root().parent / "shared" / "mnist"


def real_test_set() -> tuple[torch.Tensor, torch.Tensor] | None:
    """The real MNIST test set (10,000 uint8 images and int64 labels) from SHARED_MNIST, or None when absent."""
    images, labels = (SHARED_MNIST / f"{spec.name}.gz" for spec in MNIST_FILES[2:])
    if not (images.is_file() and labels.is_file()):
        return None
    x = torch.from_numpy(read_idx_file(images, "images").copy())
    return x, torch.from_numpy(read_idx_file(labels, "labels").astype("int64"))
