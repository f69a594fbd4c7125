"""Forest and funnel plots render to SVG and PNG without a display."""

from __future__ import annotations

from acuneuro.evidence.meta import MetaResult, meta_analysis
from acuneuro.evidence.plots import forest_plot, funnel_plot, studies_plot

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


def test_an_equal_effects_forest_plot_has_no_prediction_interval() -> None:
    data = reference()["datasets"]["bcg_rr"]
    common = meta_analysis(data["yi"], data["vi"], measure="RR", method="EE")
    assert "Prediction interval" not in forest_plot(common)
    assert "Prediction interval" in forest_plot(_bcg())


def test_a_funnel_plot_carries_its_title() -> None:
    res = _bcg()
    svg = funnel_plot(res, title="BCG funnel")
    assert isinstance(svg, str) and "BCG funnel" in svg
    assert "BCG funnel" not in funnel_plot(res)


def test_a_studies_plot_without_title_or_note_has_no_heading() -> None:
    bare = studies_plot(["a", "b"], [0.1, 0.4], [0.01, 0.02])
    titled = studies_plot(["a", "b"], [0.1, 0.4], [0.01, 0.02], title="Two trials", note="k = 2")
    assert isinstance(bare, str) and isinstance(titled, str)
    assert "Two trials" in titled and "k = 2" in titled
    assert "Two trials" not in bare
