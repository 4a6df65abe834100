"""Presenting the course: run every notebook (course), build slide decks (slides), serve the explorer (app).

These modules need the ``present`` extra (nbformat, nbclient, nbconvert, Voila): pip install "gmtutor[present]".
"""

DEFAULT_PORT = 8866  # where `gmtutor app` serves the explorer unless told otherwise
MAX_KERNELS = 4  # the most kernels (one per open page) `gmtutor app` runs at once
