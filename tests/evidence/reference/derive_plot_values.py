"""Write ``metafor_plot_values.json``: what metafor's ``forest()`` and ``funnel()`` draw (dat.bcg).

R is not reachable from the build machine, so the values are assembled from metafor's own stored
output in ``metafor_reference.json`` (``escalc`` yi/vi, ``rma`` tau², ``predict`` CI/PI,
``regtest``) with the formulas metafor's plotting code applies, each cited below. When R is
available, the values can be printed by metafor itself with the calls listed in the file
(``weights(res)``, ``predict(res)``, ``summary(dat)`` for the study CIs, ``regtest(res)``).
Run: ``python tests/evidence/reference/derive_plot_values.py``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from scipy import stats

HERE = Path(__file__).parent
SOURCES = {
    "forest_rows": "https://github.com/wviechtb/metafor/blob/master/R/forest.rma.r "
                   "(study CI: yi -/+ qnorm(level/2, lower.tail=FALSE) * sqrt(vi); "
                   "weights <- weights(x, type='diagonal'); pooled polygon from predict(x))",
    "weights": "https://search.r-project.org/CRAN/refmans/metafor/html/weights.rma.html and "
               "https://github.com/wviechtb/metafor/blob/master/tests/testthat/test_misc_weights.r "
               "(weights(res) == 100 * (1/(vi+tau2)) / sum(1/(vi+tau2)))",
    "funnel": "https://wviechtb.github.io/metafor/reference/funnel.html (points yi against "
              "sei = sqrt(vi); regtest(res) for Egger's test)",
}


def main() -> None:
    ref = json.loads((HERE / "metafor_reference.json").read_text("utf-8"))
    data = ref["datasets"]["bcg_rr"]
    fit = next(f for f in ref["fits"]
               if f["dataset"] == "bcg_rr" and f["method"] == "REML" and f["test"] == "z")
    z = float(stats.norm.isf(0.025))
    w = [1 / (v + fit["tau2"]) for v in data["vi"]]
    out = {
        "dataset": "bcg_rr",
        "calls": [data["escalc_call"], fit["call"], "forest(res, showweights=TRUE, addpred=TRUE)",
                  "weights(res)", "predict(res)", "funnel(res)", "regtest(res)"],
        "metafor_version": ref["metafor_version"],
        "derived_from": "metafor_reference.json (metafor's own output; R not reachable here)",
        "sources": SOURCES,
        "rows": [
            {"label": lab, "estimate": y, "ci_lb": y - z * math.sqrt(v),
             "ci_ub": y + z * math.sqrt(v), "weight": 100 * wi / sum(w)}
            for lab, y, v, wi in zip(data["labels"], data["yi"], data["vi"], w, strict=True)
        ],
        "pooled": {"estimate": fit["estimate"], "ci_lb": fit["ci"][0], "ci_ub": fit["ci"][1],
                   "pi_lb": fit["pi"][0], "pi_ub": fit["pi"][1], "tau2": fit["tau2"],
                   "I2": fit["I2"], "Q": fit["Q"], "Q_p": fit["Q_p"]},
        "funnel": {"yi": data["yi"], "sei": [math.sqrt(v) for v in data["vi"]],
                   "egger_stat": fit["egger"]["stat"], "egger_p": fit["egger"]["pval"]},
    }
    (HERE / "metafor_plot_values.json").write_text(json.dumps(out, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
