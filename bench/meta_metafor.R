# The metafor half of bench/meta.py. Usage: Rscript bench/meta_metafor.R WORKDIR
# WORKDIR holds data.csv (yi, vi), boot.csv (1-based study indices, one resample per row) and
# config.json; timings are taken inside R with system.time(), so R start-up is not counted.
suppressMessages({
  library(metafor)
  library(jsonlite)
})
dir <- commandArgs(trailingOnly = TRUE)[1]
cfg <- fromJSON(file.path(dir, "config.json"))
dat <- read.csv(file.path(dir, "data.csv"))
boot <- as.matrix(read.csv(file.path(dir, "boot.csv"), header = FALSE))
out <- list(metafor = as.character(packageVersion("metafor")), r = R.version.string,
            single = list(), loo = list(), boot = list())

# Wall-clock seconds, and the CPU seconds of this process (user + system): on a shared machine
# the second does not depend on how many other processes wait for a core.
cpu <- function(st) st[["user.self"]] + st[["sys.self"]]
# Mean seconds per call over blocks of cfg$reps calls until at least cfg$min_seconds have passed
# (the engine's side does the same), so that both sides average over windows of similar length.
timed <- function(call) {
  n <- 0; el <- 0; cp <- 0
  repeat {
    st <- system.time(for (i in seq_len(cfg$reps)) call())
    n <- n + cfg$reps; el <- el + st[["elapsed"]]; cp <- cp + cpu(st)
    if (el >= cfg$min_seconds) break
  }
  list(seconds = el / n, cpu = cp / n)
}
for (m in cfg$methods) for (t in cfg$tests) {
  one <- function() {
    res <- suppressWarnings(rma(yi, vi, data = dat, method = m, test = t))
    pr <- predict(res)
    if (m != "EE") ci <- confint(res)
    res
  }
  tm <- timed(one)
  res <- one()
  out$single[[length(out$single) + 1]] <- list(method = m, test = t, seconds = tm$seconds,
                                               cpu = tm$cpu, estimate = as.numeric(res$b),
                                               tau2 = res$tau2)
}
for (m in cfg$loo_methods) {
  res <- rma(yi, vi, data = dat, method = m)
  tm <- timed(function() leave1out(res))
  l1 <- leave1out(res)
  out$loo[[length(out$loo) + 1]] <- list(method = m, seconds = tm$seconds, cpu = tm$cpu,
                                         estimate = as.numeric(l1$estimate))
}
for (m in cfg$boot_methods) {
  est <- numeric(nrow(boot))
  st <- system.time(for (b in seq_len(nrow(boot))) {
    idx <- boot[b, ]
    # Converged as tightly as the engine (metafor's default stops at a tau2 change < 1e-5);
    # where Fisher scoring does not converge, metafor's own remedy (step halving).
    fit <- tryCatch(suppressWarnings(rma(dat$yi[idx], dat$vi[idx], method = m,
                                         control = list(threshold = 1e-10, maxiter = 1000))),
      error = function(e) suppressWarnings(rma(dat$yi[idx], dat$vi[idx], method = m,
        control = list(threshold = 1e-10, stepadj = 0.5, maxiter = 10000))))
    est[b] <- fit$b
  })
  out$boot[[length(out$boot) + 1]] <- list(method = m, seconds = st[["elapsed"]], cpu = cpu(st),
                                           fits = nrow(boot), estimate = est)
}
cat(toJSON(out, auto_unbox = TRUE, digits = NA))
