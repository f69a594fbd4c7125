# The DPN page's forest-plot numbers from R metafor itself (issue 17 acceptance).
# Run:  Rscript tests/evidence/reference/generate_dpn_plot_values.R IN.json OUT.json
# IN.json: the pooled comparisons of the DPN page (class, labels, yi, vi) as the engine reads
# them from knowledge/evidence; OUT.json: metafor's values with the calls that made them.
# R and metafor from Debian (bash bench/ensure-r.sh); never a runtime dependency.
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
comparisons <- fromJSON(args[1], simplifyVector = FALSE)
out <- lapply(comparisons, function(cmp) {
  yi <- unlist(cmp$yi); vi <- unlist(cmp$vi)
  # metafor stops Fisher scoring at a change of 1e-5 by default; tightened so that its own
  # convergence does not show in the 1e-6 comparison (the engine iterates to 1e-12).
  res <- rma(yi, vi, method = "REML", test = "knha",
             control = list(threshold = 1e-12, maxiter = 1000))
  pred <- predict(res)
  list(class_id = cmp$class_id, sensitivity = cmp$sensitivity, labels = cmp$labels,
       yi = yi, vi = vi,
       rows = list(ci_lb = yi - qnorm(0.975) * sqrt(vi), ci_ub = yi + qnorm(0.975) * sqrt(vi),
                   weight = unname(weights(res))),
       pooled = list(estimate = pred$pred, ci_lb = pred$ci.lb, ci_ub = pred$ci.ub,
                     pi_lb = pred$pi.lb, pi_ub = pred$pi.ub, tau2 = res$tau2, I2 = res$I2,
                     Q = res$QE, Q_p = res$QEp))
})
doc <- list(
  calls = c(paste("res <- rma(yi, vi, method = \"REML\", test = \"knha\",",
                  "control = list(threshold = 1e-12, maxiter = 1000))"), "predict(res)",
            "weights(res)", "yi -/+ qnorm(0.975) * sqrt(vi)  (forest.rma's study intervals)"),
  metafor_version = as.character(packageVersion("metafor")),
  r_version = R.version.string,
  comparisons = out)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, pretty = TRUE), args[2])
