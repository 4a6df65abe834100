"""The course's tools: latent arithmetic, evaluation, figures and widgets."""
