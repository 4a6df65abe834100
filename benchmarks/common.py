"""What the benchmark scripts share: where the real MNIST test files may be (they are optional)."""

from gmtutor.core.runtime import checkout_root

# The real MNIST test set beside the checkout, used for evaluation when present; no benchmark needs it.
SHARED_MNIST = checkout_root().parent / "shared" / "mnist"
