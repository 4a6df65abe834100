"""The core: MNIST, devices and seeds, the training loop, checkpoints, recipes and the model cache."""
