# The forest and funnel numbers of metafor's dat.bcg straight from R metafor (issue 17).
# Run:  Rscript tests/evidence/reference/generate_bcg_plot_values.R OUT.json
# R and metafor from Debian (bash bench/ensure-r.sh); never a runtime dependency.
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
res <- rma(yi, vi, data = dat, method = "REML", test = "z",
           control = list(threshold = 1e-12, tol = 1e-12, maxiter = 1000))
pred <- predict(res)
egger <- regtest(res)
z <- qnorm(0.975)
yi <- as.numeric(dat$yi); vi <- as.numeric(dat$vi)
rows <- lapply(seq_along(yi), function(i) list(
  label = paste(dat.bcg$author[i], dat.bcg$year[i]), estimate = yi[i],
  ci_lb = yi[i] - z * sqrt(vi[i]), ci_ub = yi[i] + z * sqrt(vi[i]),
  weight = unname(weights(res))[i]))
doc <- list(
  dataset = "bcg_rr",
  calls = c('escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)',
            paste0('rma(yi, vi, data=dat, method="REML", test="z", ',
                   'control=list(threshold=1e-12, tol=1e-12, maxiter=1000))'),
            "weights(res)", "predict(res)", "regtest(res)",
            "yi -/+ qnorm(0.975) * sqrt(vi)  (forest.rma's study intervals)",
            "sqrt(vi)  (funnel.rma's standard errors)"),
  metafor_version = as.character(packageVersion("metafor")),
  r_version = R.version.string,
  derived_from = "R metafor run by generate_bcg_plot_values.R",
  sources = list(metafor = "https://www.metafor-project.org/doku.php/plots:forest_plot"),
  rows = rows,
  pooled = list(estimate = pred$pred, ci_lb = pred$ci.lb, ci_ub = pred$ci.ub,
                pi_lb = pred$pi.lb, pi_ub = pred$pi.ub, tau2 = res$tau2, I2 = res$I2,
                Q = res$QE, Q_p = res$QEp),
  funnel = list(yi = yi, sei = sqrt(vi), egger_stat = egger$zval, egger_p = egger$pval))
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, pretty = TRUE), args[1])
