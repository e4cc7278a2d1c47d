"""Altair chart builders, by concept: each takes tables and labels and returns a chart (no display).

- `style`: colours (one per model), dashes, the Vega-Lite config, 10^x labels;
- `curves`: curves against distance (the probes, the theory lines, clipping, the readout's attention);
- `geometry`: axis ranges, clipping to a box, circles, the eigenvalue chart;
- `images`: maps drawn as one PNG image each (the weight-scale map, the attention maps).
"""

from .curves import *  # noqa: F403
from .curves import _finite  # noqa: F401  (tests check the finite points a theory line keeps)
from .geometry import *  # noqa: F403
from .images import *  # noqa: F403
from .style import *  # noqa: F403
