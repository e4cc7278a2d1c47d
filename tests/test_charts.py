"""The chart builders' data: finite or explicitly "no path", thinned with both ends kept."""

import math

import numpy as np
import pytest

from core.probe import gradient_through_time
from core.sweep import weight_scale_sweep
from core.theory import theory_frame
from dashboard import charts

LABELS = {name: name for name in charts.LABEL_KEYS}  # each label is its own name, except:
LABELS["no_path"] = "no path"


@pytest.mark.parametrize("value,text", [(-45.24, "10^-45.2"), (352.0, "10^352.0"), (-math.inf, "0"), (0.0, "10^0.0")])
def test_pow10_label(value, text):
    assert charts.pow10_label(value) == text


def test_gradient_data_marks_no_path_and_drops_only_infinite_theory():
    probe = gradient_through_time(seq_len=30, window=10, hidden_size=8)
    theory = theory_frame(probe["distance"], 0.0, 1.0)  # ρ = 0: the theory line is -inf past d = 0
    data = charts.gradient_chart_data(probe, theory, LABELS)
    measured = data[data["series"] == "measured"]
    assert len(measured) == 30
    assert set(measured.loc[measured["kind"] == "no_path", "distance"]) == set(range(10, 30))
    assert (data.loc[data["series"] == "rho", "distance"] == 0).all()
    assert np.isfinite(data.loc[data["kind"] == "line", "log10"]).all()


def test_gradient_data_is_thinned_to_max_points_keeping_both_ends():
    probe = gradient_through_time(seq_len=2000, hidden_size=8)
    data = charts.gradient_chart_data(probe, theory_frame(probe["distance"], 0.9, 0.9), LABELS, max_points=500)
    measured = data[data["series"] == "measured"]
    assert len(measured) <= 500 and {0, 1999} <= set(measured["distance"])


def test_y_domain_keeps_the_measured_curve_and_limits_theory():
    probe = gradient_through_time(seq_len=100, nonlinearity="linear", init="nonnormal", weight_scale=2.0, hidden_size=8)
    data = charts.gradient_chart_data(probe, theory_frame(probe["distance"], 1e-8, 32.0), LABELS)
    lo, hi = charts.y_domain(data, "measured")
    finite = data[(data["series"] == "measured") & (data["kind"] == "line")]["log10"]
    assert lo <= finite.min() and hi >= finite.max()
    assert hi - lo <= 5 * max(finite.max() - finite.min(), 2.0) + 2


def test_heatmap_cells_tile_the_plane_and_mark_no_path():
    sweep = weight_scale_sweep(seq_len=40, hidden_size=8, nonlinearity="relu", input_scale=0.0, max_distances=20)
    cells = charts.heatmap_data(sweep, LABELS)
    assert (cells["kind"] == "no_path").all() and cells["color"].isna().all()
    sweep = weight_scale_sweep(seq_len=40, hidden_size=8, max_distances=20)
    cells = charts.heatmap_data(sweep, LABELS)
    one_row = cells[cells["weight_scale"] == cells["weight_scale"].iloc[0]].sort_values("x")
    starts, ends = one_row["x"].to_numpy(), one_row["x2"].to_numpy()
    assert (ends[:-1] > starts[1:]).all() and (ends[:-1] < ends[1:]).all()  # neighbours overlap: no seams
    assert cells["color"].between(-charts.HEATMAP_CLIP, charts.HEATMAP_CLIP).all()


def test_chart_builders_return_altair_charts_with_data():
    probe = gradient_through_time(seq_len=20, hidden_size=8)
    data = charts.gradient_chart_data(probe, theory_frame(probe["distance"], 0.9, 0.9), LABELS)
    spec = charts.gradient_chart(data, LABELS).to_dict()
    assert spec["layer"] and spec["datasets"]
    eig = charts.eigenvalue_chart(
        __import__("pandas").DataFrame({"re": [0.9], "im": [0.0], "abs": [0.9]}), 0.9, 0.9, LABELS
    ).to_dict()
    assert eig["autosize"]["type"] == "pad" and eig["width"] == eig["height"]
