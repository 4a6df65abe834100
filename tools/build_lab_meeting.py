"""Write notebooks/06_lab_meeting.ipynb, the course as one talk, from the cells below.

The notebook is written unexecuted, with its slide metadata; execute it afterwards (full mode,
embedded data, as every stored notebook):

    python tools/build_lab_meeting.py
    GMTUTOR_DATA=embedded jupyter nbconvert --to notebook --execute --inplace notebooks/06_lab_meeting.ipynb

Code cells are stored collapsed (``jupyter.source_hidden``): the audience sees results, a reader
clicks to see the code, and `gmtutor slides` leaves the code out of the deck.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from gmtutor.slides import assign_slide_types

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "06_lab_meeting.ipynb"

# (kind, source, explicit slide type or None for the rules' choice)
CELLS: list[tuple[str, str, str | None]] = [
    (
        "markdown",
        r"""# How generative models learn to create something new

*A lab-meeting talk in one notebook: the course's story in fifteen slides.*

1. generative vs discriminative: what Naive Bayes and logistic regression learn
2. the VAE: a latent space learned with a likelihood bound
3. BiGAN: a GAN that also learns the way back, $E(x)$
4. can a model imagine? all 45 digit pairs, and a 7 moved along the 6 → 0 axis
5. the live slider

Every model comes from the cache (`gm.zoo.get`), so the notebook runs in under a minute once the
course has been run once (`gmtutor course`).""",
        None,
    ),
    (
        "code",
        """import matplotlib.pyplot as plt
import torch
from IPython.display import HTML

import gmtutor as gm
from gmtutor import classifiers
from gmtutor.latent import (
    PixelSpace,
    class_centroids,
    decode_all,
    encode_all,
    interpolation_vector,
    manipulate,
    pair_grid,
)""",
        None,
    ),
    (
        "code",
        """# NBVAL_CHECK_OUTPUT
data = gm.load_mnist()
print("Data:", data.describe())""",
        None,
    ),
    (
        "code",
        """print("Mode:", "quick (tiny models, for tests)" if gm.quick() else "full")""",
        None,
    ),
    (
        "markdown",
        r"""## Two ways to build a classifier

| | generative | discriminative |
| --- | --- | --- |
| learns | $p(x, y) = p(y)\,p(x \mid y)$ | $p(y \mid x)$ only |
| classifies | by Bayes' rule, $p(y \mid x) \propto p(y)\,p(x \mid y)$ | directly |
| creates new $x$ | yes: $y \sim p(y)$, then $x \sim p(x \mid y)$ | no |
| scores how likely $x$ is | yes, $p(x) = \sum_y p(x, y)$ | no |
| classic pair | Naive Bayes | logistic regression |

The rest of the talk keeps the right-hand abilities of the left column, and drops the naive part.""",
        None,
    ),
    (
        "markdown",
        r"""Speaker notes: Ng & Jordan (2002) is the classic comparison: Naive Bayes levels off with few
examples, logistic regression ends higher (notebook 01 measures it on MNIST). The point here is
what each model *holds*, not which is more accurate.""",
        None,
    ),
    (
        "markdown",
        r"""## What they learn, in pictures

Trained on the same digits: Naive Bayes holds a mean and a variance image per digit (what a
generative model "imagines" a 3 to be); logistic regression holds one weight image per digit
(red: evidence for it, blue: against), which says only what separates a 3 from the rest.""",
        None,
    ),
    (
        "code",
        """x_train, y_train = classifiers.pixels(data.x_train), data.y_train.numpy()
nb = gm.GaussianNB().fit(x_train, y_train)
lr = classifiers.fit_logistic_regression(x_train, y_train)
gm.plot.class_parameter_images(nb, lr)
plt.show()""",
        None,
    ),
    (
        "markdown",
        r"""### A generative model can create digits, a naive one badly

Sampling Naive Bayes draws every pixel on its own from its class's Gaussian: the right blur, no
strokes. Keeping neighbouring pixels together is what the deep generative models are for.""",
        None,
    ),
    (
        "code",
        """gm.plot.naive_bayes_samples(nb, per_class=12, seed=0, title="Digits invented by Naive Bayes")
plt.show()""",
        None,
    ),
    (
        "markdown",
        r"""## The VAE: a latent space from a likelihood bound

An encoder $q_\phi(z \mid x)$ guesses a code, a decoder $p_\theta(x \mid z)$ draws the image back.
Training maximises the evidence lower bound, per image:

$$
\log p_\theta(x) \;\ge\;
\underbrace{\mathbb E_{q_\phi(z \mid x)}\big[\log p_\theta(x \mid z)\big]}_{-\,\text{reconstruction}}
\;-\;
\underbrace{\mathrm{KL}\big(q_\phi(z \mid x)\,\|\,\mathcal N(0, I)\big)}_{\text{pulls codes towards the prior}}
$$

The KL term pulls every code towards the prior, so that codes drawn from $\mathcal N(0, I)$ decode to
digits: the model can create.""",
        None,
    ),
    (
        "markdown",
        r"""### A 2-d latent space, drawn

Every test digit at its code, coloured by a label the model never saw.""",
        None,
    ),
    (
        "code",
        """vae2, vae = gm.zoo.get("vae-2d", data), gm.zoo.get("vae-20d", data)
gm.plot.latent_scatter(encode_all(vae2, data.x_test), data.y_test, title="Test digits in the 2-d VAE's latent space")
plt.show()""",
        None,
    ),
    (
        "markdown",
        r"""### Reconstructions and new digits (20-d latent space)""",
        None,
    ),
    (
        "code",
        """gm.seed_everything(0)
x = data.x_test[:12]
gm.plot.image_rows(
    {
        "test digit": gm.as_images(x),
        "reconstruction": decode_all(vae, encode_all(vae, x)),
        "z ~ N(0, I)": vae.sample(12),
    },
    title="VAE 20-d",
)
plt.show()""",
        None,
    ),
    (
        "markdown",
        r"""## BiGAN: a GAN that learns the way back

A GAN's generator $G(z)$ learns from a discriminator's verdicts, with no likelihood at all, but
it cannot *encode*. BiGAN adds an encoder $E(x)$ and lets the discriminator judge pairs:
real $(x, E(x))$ against fake $(G(z), z)$. At the game's solution $E = G^{-1}$.

$$
\min_{G, E}\,\max_D\;
\mathbb E_{x}\big[\log D(x, E(x))\big] + \mathbb E_{z}\big[\log\big(1 - D(G(z), z)\big)\big]
$$""",
        None,
    ),
    (
        "code",
        """bigan = gm.zoo.get("bigan", data)
classifier = gm.evaluate.digit_classifier(data)
gm.seed_everything(1)
gm.plot.image_rows(
    {"test digit x": gm.as_images(x), "G(E(x))": gm.evaluate.reconstruct_images(bigan, x), "G(z)": bigan.sample(12)},
    title="BiGAN",
)
plt.show()
keeping = gm.evaluate.class_keeping_rate(bigan, data.x_test, data.y_test, classifier)
print(f"G(E(x)) keeps the digit of x for {keeping:.0%} of the test digits (chance: 10%)")""",
        None,
    ),
    (
        "markdown",
        r"""## Can a model imagine? Moving along class axes

Encode every training digit, average the codes of each class: ten **centroids** $\bar z_c$. The
axis from $b$ to $a$ is $v_{b \to a} = \bar z_a - \bar z_b$, and moving an image along it is

$$
\tilde x(\alpha) = G\big(E(x) + \alpha\, v_{b \to a}\big).
$$

Labels only *find* the axis; the models never saw one. In a good latent space every point on the
way decodes to some handwritten digit.""",
        None,
    ),
    (
        "code",
        """models = {"VAE 20-d": vae, "BiGAN": bigan, "pixels (NB means)": PixelSpace()}
centroids = {name: class_centroids(model, data.x_train, data.y_train) for name, model in models.items()}
gm.plot.image_rows({name: decode_all(model, centroids[name]) for name, model in models.items()},
                   title="Decoded class centroids, digits 0 to 9")
plt.show()""",
        None,
    ),
    (
        "markdown",
        r"""## The 45-pair canvas

Every pair of digits, centroid to centroid in the VAE's latent space: the shape morphs.""",
        None,
    ),
    (
        "code",
        """alphas = torch.linspace(0, 1, 9).tolist()
images, pairs = pair_grid(vae, centroids["VAE 20-d"], alphas)
gm.plot.pair_canvas(images, pairs, alphas, panels=3, title="VAE 20-d: all 45 pairs of digits, centroid to centroid")
plt.show()""",
        None,
    ),
    (
        "markdown",
        r"""### The same canvas in pixel space

Pixel centroids are the class mean images, Naive Bayes's means: the rows cross-fade, and halfway
there is no digit, only two ghosts.""",
        None,
    ),
    (
        "code",
        """images, pairs = pair_grid(models["pixels (NB means)"], centroids["pixels (NB means)"], alphas)
gm.plot.pair_canvas(images, pairs, alphas, panels=3, title="Pixels: all 45 pairs, mean image to mean image")
plt.show()""",
        None,
    ),
    (
        "markdown",
        r"""## A 7 moved along the 6 → 0 axis

Test 7s the models never trained on, moved by $\alpha\, v_{6 \to 0}$. The judge is a digit classifier
(logistic regression on real pixels); the curves average its probabilities over all test 7s.""",
        None,
    ),
    (
        "code",
        """sevens = data.x_test[data.y_test == 7]
sweep_alphas = torch.linspace(-1, 2, 13).tolist()
moved = manipulate(vae, sevens, interpolation_vector(centroids["VAE 20-d"], a=0, b=6), sweep_alphas)
probabilities = classifier.predict_proba(moved.reshape(-1, 1, 28, 28)).reshape(len(sevens), -1, 10).mean(0)
gm.plot.alpha_sweep(moved[:3], sweep_alphas, probabilities, digits=[0, 6, 7],
                    title=f"VAE 20-d: test 7s along 6 → 0 (curves: mean over {len(sevens)} 7s)")
plt.show()""",
        None,
    ),
    (
        "markdown",
        r"""Speaker notes: the top stroke bends into a loop and p(0) rises; negative alpha does not make 6s.
The difference of two centroids also carries width and amount of ink, and a 7 has no lower loop
to open. Notebook 04 measures how often such moves land in the target class for all 90 axes.""",
        None,
    ),
    (
        "markdown",
        r"""## Live: the alpha slider

Choose a model, a "from" digit $b$ and a "to" digit $a$, and drag $\alpha$. Each move decodes one
code. It needs a live kernel: here in JupyterLab, or without JupyterLab as a small web app,
`gmtutor app` (Voila, on 127.0.0.1). In a static deck the next slide plays the same sweep.""",
        None,
    ),
    (
        "code",
        """# NBVAL_IGNORE_OUTPUT
explorer = gm.widgets.interpolation_explorer(models, data, classifier)
explorer.from_digit.value, explorer.to_digit.value = 6, 0
explorer""",
        None,
    ),
    (
        "markdown",
        r"""### The same sweep without a kernel

The test 7 the classifier finds most typical, along 6 → 0 in the VAE, stored as an animation:
it plays in any browser, in these slides too.""",
        None,
    ),
    (
        "code",
        """# NBVAL_IGNORE_OUTPUT
frame_alphas = torch.linspace(-1, 2, 31).tolist()
typical_seven = sevens[classifier.predict_proba(sevens)[:, 7].argmax()].unsqueeze(0)
frames = manipulate(vae, typical_seven, interpolation_vector(centroids["VAE 20-d"], a=0, b=6), frame_alphas)[0]
movie = gm.plot.sweep_animation(
    frames, frame_alphas, classifier.predict_proba(frames), title="VAE 20-d: a 7 along 6 → 0"
)
HTML(movie.to_jshtml(default_mode="reflect"))""",
        None,
    ),
    (
        "markdown",
        r"""## Three families of generative models

| | learns by | encoder | likelihood |
| --- | --- | --- | --- |
| **VAE** (notebook 02) | maximising a bound on $\log p(x)$ | yes, $q_\phi(z \mid x)$ | a lower bound |
| **GAN / BiGAN** (03) | a game against a discriminator | BiGAN only, $E(x)$ | none |
| **flow** (05) | exact maximum likelihood | yes, the inverse of $G$ | exact |""",
        None,
    ),
    (
        "markdown",
        r"""- A generative model holds $p(x)$ or a way to sample it; that is what lets it *create*.""",
        "fragment",
    ),
    (
        "markdown",
        r"""- A learned latent space turns averages into digits: centroids decode to typical digits,
  where pixel averages are ghosts.""",
        "fragment",
    ),
    (
        "markdown",
        r"""- Moving an unseen digit along a class axis makes images nobody drew; a classifier can score
  them, but read its numbers together with the pictures.""",
        "fragment",
    ),
    (
        "markdown",
        r"""## Try it

- `gmtutor course`: run the whole course once; afterwards every model comes from the cache
- `gmtutor slides`: every notebook as a deck that opens offline
- `gmtutor app`: the live slider in a browser, no JupyterLab needed
- the notebooks 00 to 05 tell each part of this story step by step, with exercises""",
        None,
    ),
]


def build() -> nbformat.NotebookNode:
    """The talk as an unexecuted notebook with slide metadata and collapsed code."""
    notebook = nbformat.v4.new_notebook()
    for kind, source, chosen in CELLS:
        if kind == "markdown":
            cell = nbformat.v4.new_markdown_cell(source)
        else:
            cell = nbformat.v4.new_code_cell(source)
            cell.metadata["jupyter"] = {"source_hidden": True}
        if chosen:
            cell.metadata["slideshow"] = {"slide_type": chosen}
        notebook.cells.append(cell)
    assign_slide_types(notebook)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


if __name__ == "__main__":
    nbformat.write(build(), NOTEBOOK)
    print(f"wrote {NOTEBOOK}; execute it before committing (see this script's docstring)")
