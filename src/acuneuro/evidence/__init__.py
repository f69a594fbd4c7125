"""The evidence engine: effect sizes, meta-analysis, sensitivity and bias analyses, plots.

Pure functions (numpy/scipy), validated against R's metafor (``tests/evidence/reference``).
"""

from acuneuro.evidence._effects import Effects, binary_effects, continuous_effects
from acuneuro.evidence.bias import EggerTest, egger_test
from acuneuro.evidence.meta import METHODS, TESTS, MetaResult, meta_analysis
from acuneuro.evidence.plots import forest_plot, funnel_plot
from acuneuro.evidence.sensitivity import bootstrap, cumulative, leave_one_out, subgroups

__all__ = [
    "METHODS",
    "TESTS",
    "Effects",
    "EggerTest",
    "MetaResult",
    "binary_effects",
    "bootstrap",
    "continuous_effects",
    "cumulative",
    "egger_test",
    "forest_plot",
    "funnel_plot",
    "leave_one_out",
    "meta_analysis",
    "subgroups",
]
