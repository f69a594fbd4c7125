# Reference values for acuneuro.evidence, computed by R's metafor.
#
# Run from the repository root (needs R with metafor and jsonlite; Debian: r-cran-metafor):
#   Rscript tests/evidence/reference/generate_metafor.R
# It writes tests/evidence/reference/metafor_reference.json. Every value there is stored with
# the exact R call that produced it; the tests read that file, so CI does not need R.
#
# The convergence controls are tightened (threshold/tol 1e-12) so that the iterative
# estimators (ML, REML, PM) and the Q-profile bounds are exact to double precision rather than
# to metafor's default stopping rule (threshold 1e-5, tol ~1.2e-4); the model is unchanged.
suppressMessages({
  library(metafor)
  library(jsonlite)
})

ctrl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 1000)
ctrl_txt <- "list(threshold=1e-12, tol=1e-12, maxiter=1000)"
methods <- c("EE", "DL", "REML", "PM", "ML", "HE", "SJ")
tests <- c("z", "knha")

datasets <- list(
  bcg_rr = list(
    escalc = 'escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)',
    measure = "RR", labels = 'paste(dat.bcg$author, dat.bcg$year)',
    arms = 'data.frame(events1=dat.bcg$tpos, n1=dat.bcg$tpos+dat.bcg$tneg, events2=dat.bcg$cpos, n2=dat.bcg$cpos+dat.bcg$cneg)'),
  bcg_or = list(
    escalc = 'escalc(measure="OR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)',
    measure = "OR", labels = 'paste(dat.bcg$author, dat.bcg$year)',
    arms = 'data.frame(events1=dat.bcg$tpos, n1=dat.bcg$tpos+dat.bcg$tneg, events2=dat.bcg$cpos, n2=dat.bcg$cpos+dat.bcg$cneg)'),
  nielweise_or = list(
    escalc = 'escalc(measure="OR", ai=ai, n1i=n1i, ci=ci, n2i=n2i, data=dat.nielweise2007)',
    measure = "OR", labels = 'dat.nielweise2007$author',
    arms = 'data.frame(events1=dat.nielweise2007$ai, n1=dat.nielweise2007$n1i, events2=dat.nielweise2007$ci, n2=dat.nielweise2007$n2i)'),
  hine_rd = list(
    escalc = 'escalc(measure="RD", ai=ai, n1i=n1i, ci=ci, n2i=n2i, data=dat.hine1989)',
    measure = "RD", labels = 'dat.hine1989$source',
    arms = 'data.frame(events1=dat.hine1989$ai, n1=dat.hine1989$n1i, events2=dat.hine1989$ci, n2=dat.hine1989$n2i)'),
  normand_md = list(
    escalc = 'escalc(measure="MD", m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, n2i=n2i, data=dat.normand1999)',
    measure = "MD", labels = 'dat.normand1999$source',
    arms = 'data.frame(n1=dat.normand1999$n1i, mean1=dat.normand1999$m1i, sd1=dat.normand1999$sd1i, n2=dat.normand1999$n2i, mean2=dat.normand1999$m2i, sd2=dat.normand1999$sd2i)'),
  normand_smd = list(
    escalc = 'escalc(measure="SMD", m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, n2i=n2i, data=dat.normand1999)',
    measure = "SMD", labels = 'dat.normand1999$source',
    arms = 'data.frame(n1=dat.normand1999$n1i, mean1=dat.normand1999$m1i, sd1=dat.normand1999$sd1i, n2=dat.normand1999$n2i, mean2=dat.normand1999$m2i, sd2=dat.normand1999$sd2i)'),
  hackshaw_gen = list(
    escalc = 'dat.hackshaw1998[, c("yi", "vi")]',
    measure = "GEN", labels = 'paste(dat.hackshaw1998$author, dat.hackshaw1998$year)',
    arms = 'data.frame(yi=dat.hackshaw1998$yi, vi=dat.hackshaw1998$vi)'),
  molloy_gen = list(
    escalc = 'escalc(measure="ZCOR", ri=ri, ni=ni, data=dat.molloy2014)',
    measure = "GEN", labels = 'paste(dat.molloy2014$authors, dat.molloy2014$year)',
    arms = 'NULL')
)

num <- function(x) as.numeric(x)
out <- list(
  generator = "tests/evidence/reference/generate_metafor.R",
  metafor_version = as.character(packageVersion("metafor")),
  r_version = R.version.string,
  control = ctrl_txt,
  datasets = list(), fits = list(), leave1out = list(), cumul = list()
)

for (name in names(datasets)) {
  d <- datasets[[name]]
  dat <- eval(parse(text = d$escalc))
  arms <- eval(parse(text = d$arms))
  out$datasets[[name]] <- list(
    measure = d$measure, escalc_call = d$escalc,
    labels = eval(parse(text = d$labels)),
    arms = arms, yi = num(dat$yi), vi = num(dat$vi))
  for (m in methods) for (t in tests) {
    call <- sprintf('rma(yi, vi, data=dat, method="%s", test="%s", control=%s)', m, t, ctrl_txt)
    res <- suppressWarnings(rma(yi, vi, data = dat, method = m, test = t, control = ctrl))
    pr <- predict(res)
    pi <- if (is.null(pr$pi.lb)) c(pr$ci.lb, pr$ci.ub) else c(pr$pi.lb, pr$pi.ub)
    fit <- list(dataset = name, method = m, test = t, call = call,
      predict_call = "predict(res)",
      estimate = num(res$b), se = res$se, stat = res$zval, pval = res$pval,
      ci = c(res$ci.lb, res$ci.ub), pi = pi, tau2 = res$tau2,
      I2 = res$I2, H2 = res$H2, Q = res$QE, Q_p = res$QEp)
    if (m != "EE") {
      ci <- confint(res, control = list(tol = 1e-12))
      fit$confint_call <- "confint(res, control=list(tol=1e-12))"
      fit$tau2_ci <- num(ci$random["tau^2", 2:3])
      fit$I2_ci <- num(ci$random["I^2(%)", 2:3])
      fit$H2_ci <- num(ci$random["H^2", 2:3])
    }
    eg <- suppressWarnings(regtest(res))
    fit$regtest_call <- "regtest(res)"
    fit$egger <- list(stat = eg$zval, pval = eg$pval, est = num(eg$est),
      ci = c(num(eg$ci.lb), num(eg$ci.ub)))
    out$fits[[length(out$fits) + 1]] <- fit
    if (m %in% c("REML", "DL", "PM") ) {
      l1 <- suppressWarnings(leave1out(res))
      out$leave1out[[length(out$leave1out) + 1]] <- list(
        dataset = name, method = m, test = t, call = paste0("leave1out(", "res", ")  # res <- ", call),
        estimate = num(l1$estimate), se = num(l1$se), ci_lb = num(l1$ci.lb), ci_ub = num(l1$ci.ub),
        Q = num(l1$Q), tau2 = num(l1$tau2), I2 = num(l1$I2), H2 = num(l1$H2))
      cu <- suppressWarnings(cumul(res))
      out$cumul[[length(out$cumul) + 1]] <- list(
        dataset = name, method = m, test = t, call = paste0("cumul(res)  # res <- ", call),
        estimate = num(cu$estimate), se = num(cu$se), tau2 = num(cu$tau2), I2 = num(cu$I2),
        Q = num(cu$Q))
    }
  }
}

# Subgroups: separate REML models by allocation, then a common-effect model of their estimates.
dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
sub <- lapply(split(dat, dat$alloc), function(g) rma(yi, vi, data = g, method = "REML", control = ctrl))
est <- sapply(sub, function(r) num(r$b)); se <- sapply(sub, function(r) r$se)
between <- rma(est, sei = se, method = "EE")
out$subgroup <- list(
  dataset = "bcg_rr", groups = dat$alloc,
  call = paste('sub <- lapply(split(dat, dat$alloc), function(g) rma(yi, vi, data=g, method="REML", control=',
               ctrl_txt, ')); rma(sapply(sub, coef), sei=sapply(sub, function(r) r$se), method="EE")'),
  estimates = as.list(est), se = as.list(se), tau2 = as.list(sapply(sub, function(r) r$tau2)),
  Q_between = between$QE, Q_between_p = between$QEp)

# A case where metafor's default Fisher scoring oscillates and stops with "did not converge"
# (the first eight studies of dat.nielweise2007; cumul() above records NA there). Halving the
# step (stepadj=0.5) lets metafor reach the REML solution that the engine must also find.
hard <- escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.nielweise2007)[1:8, ]
hard_call <- 'rma(yi, vi, data=escalc(measure="OR", ai=ai, n1i=n1i, ci=ci, n2i=n2i, data=dat.nielweise2007)[1:8, ], method="REML", control=list(stepadj=0.5, threshold=1e-12, maxiter=10000))'
hres <- rma(yi, vi, data = hard, method = "REML", control = list(stepadj = 0.5, threshold = 1e-12, maxiter = 10000))
out$nonconvergent_reml <- list(call = hard_call, yi = num(hard$yi), vi = num(hard$vi),
  estimate = num(hres$b), se = hres$se, tau2 = hres$tau2)

path <- "tests/evidence/reference/metafor_reference.json"
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, dataframe = "columns"), path)
cat("wrote", path, "\n")
