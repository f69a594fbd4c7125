"""Forest and funnel plots render to SVG and PNG without a display."""

from __future__ import annotations

from acuneuro.evidence.meta import MetaResult, meta_analysis
from acuneuro.evidence.plots import forest_plot, funnel_plot

from ._reference import reference


def _bcg() -> MetaResult:
    data = reference()["datasets"]["bcg_rr"]
    return meta_analysis(data["yi"], data["vi"], measure="RR", labels=data["labels"])


def test_forest_plot_svg_names_every_study_and_the_pooled_row() -> None:
    res = _bcg()
    svg = forest_plot(res, title="BCG vaccine")
    assert isinstance(svg, str) and svg.lstrip().startswith("<?xml")
    for label in reference()["datasets"]["bcg_rr"]["labels"]:
        assert label.replace("&", "&amp;") in svg
    assert "Pooled (REML, z)" in svg


def test_forest_plot_svg_is_deterministic() -> None:
    res = _bcg()
    assert forest_plot(res) == forest_plot(res)


def test_plots_render_png() -> None:
    res = _bcg()
    for png in (forest_plot(res, fmt="png"), funnel_plot(res, fmt="png")):
        assert isinstance(png, bytes) and png.startswith(b"\x89PNG")
