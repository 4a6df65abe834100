"""InfoGAN (Chen et al., 2016): a GAN whose code has named parts that the generator must keep readable.

The generator's input is split in two: unstructured noise z, and a code c made of one categorical
variable (``categories`` values, one-hot) and ``continuous`` variables uniform on [-1, 1]. A plain
GAN is free to ignore c. InfoGAN adds a network Q, a second head on the discriminator's trunk, that
reads G(z, c) and guesses c; G and Q together minimise

    info_weight * ( cross-entropy(Q's guess of the category, c_cat)
                    + continuous_weight * squared error(Q's guess of c_cont, c_cont) ),

which maximises a lower bound on the mutual information I(c; G(z, c)): the images must show their
code. Nothing says what the category should mean; on MNIST it tends to become the digit, learned
without labels, and the continuous codes become styles such as slant and width. Q, applied to real
digits, is then a classifier trained without a single label.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from gmtutor.core.data import PIXELS
from gmtutor.core.runtime import module_device
from gmtutor.models.clustering import distort, two_view_information
from gmtutor.models.convnets import as_input, conv_trunk, trunk_features
from gmtutor.models.gan import _adam, _Adversarial, discriminator_loss, discriminator_net, generator_loss


class InfoGAN(_Adversarial):
    """G(z, c) -> image; D and Q share a trunk over the image, with a real/fake head and a code head.

    ``architecture="conv"`` is the paper's MNIST model: DCGAN's convolutional G, and a trunk of two
    strided convolutions and a dense layer of ``shared`` units (1,024 in the paper) with batch norm, under
    D's linear head and Q's 128-unit head; ``"mlp"`` (the default) uses MLPs (``hidden``, ``d_hidden``).

    Training splits the work in one of two ways. By default, as many PyTorch ports do, D's loss (real
    against fake) trains the trunk and D's head, and the information loss trains G and Q's head through the
    trunk without changing it, so Q reads the features that D learned for telling real digits from fakes.
    With ``q_with_discriminator=True``, as in the paper's own code, Q is part of the discriminator side: D's
    step also lowers the information loss on the (detached) fakes, training the shared trunk and Q's head
    for both tasks, and G's step trains G alone. ``g_lr_scale`` and ``q_lr_scale`` give G and Q their own
    learning rates, as multiples of D's (the paper trains G five times faster than D).

    Two settings tie the category to the digit rather than to a style. ``noise_scale`` shrinks the noise z
    (ClusterGAN, Mukherjee et al. 2019, draws it with a spread of 0.1), so that early in training the category
    is the strongest part of G's input. ``clustering_weight`` anchors Q on real digits: D's step trains the
    trunk, and G's step Q's head, to give two small distortions of the same real digit the same category,
    with all categories used (``gmtutor.models.clustering``, IIC). Neither uses a label.

    ``prior`` draws [z, one-hot c_cat, c_cont]; ``codes`` builds chosen ones. It has no encoder to the full
    code: Q reads only the structured part (``infer_codes``)."""

    training_only = ("real_head",)  # its trunk serves Q too

    def __init__(
        self,
        noise_dim: int = 62,
        categories: int = 10,
        continuous: int = 2,
        hidden: Sequence[int] = (256, 512),
        d_hidden: Sequence[int] = (512, 256),
        info_weight: float = 1.0,
        continuous_weight: float = 0.1,
        spectral_norm: bool = True,
        label_smoothing: float = 0.1,
        architecture: str = "mlp",
        width: int = 64,
        shared: int = 1024,
        g_lr_scale: float = 1.0,
        q_lr_scale: float = 1.0,
        q_with_discriminator: bool = False,
        noise_scale: float = 1.0,
        clustering_weight: float = 0.0,
    ):
        super().__init__()
        if noise_dim < 0 or categories < 2 or continuous < 0:
            raise ValueError(
                f"need noise_dim >= 0, categories >= 2, continuous >= 0; got {noise_dim}, {categories}, {continuous}"
            )
        if info_weight < 0 or continuous_weight < 0:
            raise ValueError(
                f"the weights must be >= 0, got info_weight={info_weight}, continuous_weight={continuous_weight}"
            )
        if not d_hidden:
            raise ValueError("d_hidden needs at least one layer: D and Q share it")
        if shared < 1:
            raise ValueError(f"shared (the units of the trunk's dense layer) must be at least 1, got {shared}")
        if clustering_weight < 0:
            raise ValueError(f"clustering_weight must be >= 0, got {clustering_weight}")
        if noise_scale <= 0:
            raise ValueError(f"noise_scale (the spread of the noise z) must be > 0, got {noise_scale}")
        if g_lr_scale <= 0 or q_lr_scale <= 0:
            raise ValueError(f"the learning-rate scales must be > 0, got {g_lr_scale} and {q_lr_scale}")
        inputs = noise_dim + categories + continuous
        self._init_generator(inputs, hidden, "non-saturating", architecture=architecture, width=width)
        self.noise_dim, self.categories, self.continuous = int(noise_dim), int(categories), int(continuous)
        n_codes = categories + continuous
        if architecture == "conv":
            self.trunk = nn.Sequential(
                *conv_trunk(width, "batch", spectral_norm),
                nn.Linear(trunk_features(width), shared),
                nn.BatchNorm1d(shared),
                nn.LeakyReLU(0.2),
            )
            self.real_head = nn.Linear(shared, 1)
            self.code_head = nn.Sequential(
                nn.Linear(shared, 128), nn.BatchNorm1d(128), nn.LeakyReLU(0.2), nn.Linear(128, n_codes)
            )
        else:
            self.trunk = discriminator_net(PIXELS, d_hidden, spectral=spectral_norm, n_out=None)
            self.real_head = nn.Linear(d_hidden[-1], 1)
            self.code_head = nn.Linear(d_hidden[-1], n_codes)

    # --- codes ----------------------------------------------------------------------------------------
    def codes(
        self, category: torch.Tensor, continuous: torch.Tensor, *, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Full generator inputs [z, one-hot(category), continuous] for chosen categories (N,) and continuous
        values (N, continuous), with fresh noise z ~ N(0, noise_scale^2 I)."""
        noise = torch.randn(len(category), self.noise_dim, generator=generator).to(module_device(self))
        noise = noise * self.config["noise_scale"]
        one_hot = F.one_hot(category.long(), self.categories).float().to(noise.device)
        return torch.cat([noise, one_hot, continuous.float().to(noise.device)], dim=1)

    def prior(self, n: int, *, generator: torch.Generator | None = None, temperature: float = 1.0) -> torch.Tensor:
        """[z ~ N(0, (noise_scale T)^2 I), a uniformly drawn category (one-hot), c_cont ~ U(-T, T)] for n samples.

        The temperature scales the noise and the continuous codes; the category, which has no mean, is
        drawn at any temperature."""
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        category = torch.randint(self.categories, (n,), generator=generator)
        continuous = (torch.rand(n, self.continuous, generator=generator) * 2 - 1) * temperature
        inputs = self.codes(category, continuous, generator=generator)
        inputs[:, : self.noise_dim] *= temperature
        return inputs

    def split(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Generator inputs -> (noise, category index, continuous codes)."""
        noise, one_hot, continuous = inputs.split([self.noise_dim, self.categories, self.continuous], dim=1)
        return noise, one_hot.argmax(1), continuous

    # --- the two heads --------------------------------------------------------------------------------
    def _features(self, x: torch.Tensor) -> torch.Tensor:
        return self.trunk(as_input(x, self.config["architecture"]))

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        """D's logit that each image is real."""
        return self.real_head(self._features(x)).squeeze(1)

    def infer_codes(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Q's guess of the code of images x: (category logits (N, categories), continuous means (N, continuous))."""
        guess = self.code_head(self._features(x)).float()
        return guess[:, : self.categories], guess[:, self.categories :]

    def category(self, x: torch.Tensor) -> torch.Tensor:
        """The category Q reads in each image: a cluster label learned without labels."""
        return self.infer_codes(x)[0].argmax(1)

    # --- training -------------------------------------------------------------------------------------
    def discriminator_parameters(self) -> list[nn.Parameter]:
        """D's trunk and real/fake head (and Q's head with ``q_with_discriminator``): what D's step trains and
        the generator side's step leaves alone."""
        q_head = list(self.code_head.parameters()) if self.config["q_with_discriminator"] else []
        return [*self.trunk.parameters(), *self.real_head.parameters(), *q_head]

    def configure_optimizers(self, lr: float) -> list[torch.optim.Optimizer]:
        """[Adam for D's side at ``lr``, Adam for G's side at ``g_lr_scale * lr``], betas (0.5, 0.999); Q's
        head, on whichever side trains it, at ``q_lr_scale * lr``."""
        q_head = {"params": list(self.code_head.parameters()), "lr": lr * self.config["q_lr_scale"]}
        d_side = [{"params": [*self.trunk.parameters(), *self.real_head.parameters()]}]
        g_side = [{"params": list(self.generator.parameters())}]
        (d_side if self.config["q_with_discriminator"] else g_side).append(q_head)
        return [_adam(d_side, lr), _adam(g_side, lr * self.config["g_lr_scale"])]

    def information_loss(self, images: torch.Tensor, inputs: torch.Tensor) -> dict[str, torch.Tensor]:
        """Q's cross-entropy on the category and squared error on the continuous codes of ``images``,
        generated from ``inputs``; ``info`` is their weighted sum."""
        return self._information(self.code_head(self._features(images)), inputs)

    def _information(self, guess: torch.Tensor, inputs: torch.Tensor) -> dict[str, torch.Tensor]:
        _, category, continuous = self.split(inputs)
        guess = guess.float()
        logits, means = guess[:, : self.categories], guess[:, self.categories :]
        cross_entropy = F.cross_entropy(logits, category)
        squared = (means - continuous).pow(2).sum(1).mean() if self.continuous else means.sum() * 0.0
        info = self.config["info_weight"] * (cross_entropy + self.config["continuous_weight"] * squared)
        return {"info": info, "q_cross_entropy": cross_entropy, "q_squared_error": squared}

    def _discriminator_half(self, x: torch.Tensor, made: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        fake_features = self._features(made["fake"].detach())
        real_logits = self.real_head(self._features(x)).squeeze(1)
        fake_logits = self.real_head(fake_features).squeeze(1)
        d_loss = discriminator_loss(real_logits, fake_logits, self.config["label_smoothing"])
        if self.config["q_with_discriminator"]:  # Q learns to read the code of the fakes G just drew
            d_loss = d_loss + self._information(self.code_head(fake_features), made["z"])["info"]
        if self.config["clustering_weight"]:  # the trunk learns to sort two distortions of a real digit alike
            views = self._features(torch.cat([distort(x), distort(x)])).chunk(2)  # one pass through the trunk
            d_loss = d_loss - self.config["clustering_weight"] * self._two_views(*views)
            made["views"] = tuple(view.detach() for view in views)  # Q's head reuses them in the generator's step
        return {"d_loss": d_loss, "real_logits": real_logits, "fake_logits": fake_logits}

    def _two_views(self, features: torch.Tensor, other_features: torch.Tensor) -> torch.Tensor:
        """The mutual information between the categories Q reads in two distorted views of the same real digits."""
        head = self.code_head
        return two_view_information(head(features)[:, : self.categories], head(other_features)[:, : self.categories])

    def _generator_half(self, x: torch.Tensor, made: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        features = self._features(made["fake"])  # one pass through the trunk serves D's head and Q's
        g_loss = generator_loss(self.real_head(features).squeeze(1))
        parts = self._information(self.code_head(features), made["z"])
        loss = g_loss + parts["info"]
        if "views" in made and not self.config["q_with_discriminator"]:  # Q's head learns to sort real digits too
            parts["two_view_information"] = self._two_views(*made["views"])
            loss = loss - self.config["clustering_weight"] * parts["two_view_information"]
        return {"loss": loss, "g_loss": g_loss, **parts}
