"""The layout helpers of the bench plots."""

from itertools import pairwise

from evoflux.bench import plots


def test_plot_labels_are_spread_apart_and_never_raised() -> None:
    values = [47.4, 42.1, 42.1, 26.3, 36.8, 26.3]
    heights = plots._spread(values, 6.0)
    assert all(h <= v for h, v in zip(heights, values, strict=True))
    ordered = sorted(heights, reverse=True)
    assert all(a - b >= 6.0 for a, b in pairwise(ordered))
    assert plots._spread([80.0, 10.0], 6.0) == [80.0, 10.0]  # far apart: left where they are
