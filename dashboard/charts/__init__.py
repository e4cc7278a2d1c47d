"""Altair chart builders, by shape: each takes tables and labels and returns a chart (no display).

- `style`: the Style (sizes for a screen or a projector), colours (one per model), dashes, the Vega-Lite
  config, 10^x labels;
- `curves`: curves against distance (the probes, the theory lines, clipping, the readout's attention);
- `lines`: lines against another measured x (time against n, accuracy against length, a training run's
  history, bits against context);
- `geometry`: axis ranges, clipping to a box, circles, the eigenvalue chart;
- `images`: maps drawn as one PNG image each (the weight-scale map, attention maps, layers × time, the
  positional encoding);
- `tokens`: charts over a text's word pieces (a head's map, the model view, the heads' reach, coloured text);
- `timeline`: the lineage of papers.

Import what you use from its module: `from dashboard.charts.curves import curves_chart`.
"""
