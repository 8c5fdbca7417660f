# Reference values for lib.stats.meta with method = "GLMM" (packages metafor and lme4).
#
# meta_glmm.json, one case per data set x conf:
#   res  <- rma.glmm(measure = "PLO", xi = events, ni = totals, level = 100 * conf)
#           (defaults: method = "ML", nAGQ = 7, test = "z", model fitted by lme4::glmer)
#   pred <- predict(res, transf = transf.ilogit)
#   res$QE.Wld, res$QEp.Wld, res$QE.LRT, res$QEp.LRT, res$I2, res$H2, res$yi, res$vi
#   leave-one-out: rma.glmm(measure = "PLO", xi[-i], ni[-i]) for each i (metafor has no
#           leave1out() for rma.glmm); "NA" where that fit fails (k - 1 = 1)
# Each case is fitted twice: with metafor's defaults ("default": glmer's bobyqa + Nelder-Mead,
# tolPwrss 1e-7) and with a tightly converged glmer ("tight": tight_glmer below), which removes
# the optimiser's stopping error from the comparison.
# Data sets on which rma.glmm stops are recorded with the error message ("error"); for the
# homogeneous set the equal-effects fit rma.glmm(..., method = "EE") is recorded as well.
#
# Each case also holds lme4's deviance function (glmer(..., nAGQ = 7, devFunOnly = TRUE)) evaluated
# at six (theta, beta) points ("lme4_devfun"), to check the likelihood itself.
#
# meta_glmm_subgroup.json:
#   rma.glmm(measure = "PLO", xi, ni, mods = ~ factor(group)): QM, QMdf, QMp, tau2
#   ("diverged" instead of default/tight where a group's studies all have 0 or all events)
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])), "helpers.R"))
suppressPackageStartupMessages(library(metafor))
suppressPackageStartupMessages(library(lme4))

tight_glmer <- list(glmerCtrl = list(optimizer = "bobyqa", tolPwrss = 1e-10,
                                     optCtrl = list(rhoend = 1e-10, maxfun = 1e5)))
# looser PIRLS tolerance if glmer's PIRLS cannot reach 1e-10 within its iteration limit
tight_glmer_fallback <- list(glmerCtrl = list(optimizer = "bobyqa", tolPwrss = 1e-9,
                                              optCtrl = list(rhoend = 1e-10, maxfun = 1e5)))

glmm_data <- list(
  pritz1997 = list(xi = dat.pritz1997$xi, ni = dat.pritz1997$ni, labels = dat.pritz1997$authors),
  debruin2009 = list(xi = dat.debruin2009$xi, ni = dat.debruin2009$ni, labels = dat.debruin2009$author),
  small_with_zero_and_all = list(xi = c(0, 3, 5, 2), ni = c(4, 7, 5, 9), labels = c("A", "B", "C", "D")),
  three_small = list(xi = c(2, 6, 1), ni = c(3, 15, 8), labels = c("s1", "s2", "s3")),
  two_studies = list(xi = c(1, 9), ni = c(12, 10), labels = c("first", "second")),
  heterogeneous = list(xi = c(1, 12, 3, 14, 0, 7), ni = c(15, 14, 12, 15, 10, 9),
                       labels = c("p1", "p2", "p3", "p4", "p5", "p6")),
  near_homogeneous = list(xi = c(5, 5, 6), ni = c(10, 10, 10), labels = c("a", "b", "c")),
  zeros_and_large = list(xi = c(0, 0, 1, 30, 2), ni = c(12, 20, 25, 800, 40),
                         labels = c("z1", "z2", "o1", "big", "o2"))
)
heldout <- heldout_meta_sets()
glmm_data <- c(glmm_data, lapply(heldout, function(d) d[c("xi", "ni", "labels")]))

# data sets on which rma.glmm stops (or glmer refuses the data)
failing <- list(
  single_study = list(xi = c(3), ni = c(10)),
  single_study_zero = list(xi = c(0), ni = c(6)),
  all_zero = list(xi = c(0, 0, 0), ni = c(5, 8, 3)),
  all_events = list(xi = c(4, 6, 10), ni = c(4, 6, 10)),
  homogeneous = list(xi = c(5, 5, 5), ni = c(10, 10, 10))
)

fit_glmm <- function(xi, ni, conf, control) {
  res <- suppressWarnings(rma.glmm(measure = "PLO", xi = xi, ni = ni, level = 100 * conf, control = control))
  pr <- predict(res, transf = transf.ilogit)
  prl <- predict(res)
  list(estimate = pr$pred, ci_lower = pr$ci.lb, ci_upper = pr$ci.ub,
       pred_lower = pr$pi.lb, pred_upper = pr$pi.ub,
       estimate_logit = as.numeric(res$beta), se_logit = res$se,
       pred_lower_logit = prl$pi.lb, pred_upper_logit = prl$pi.ub,
       tau2 = res$tau2, i2 = res$I2, h2 = res$H2,
       q_wald = res$QE.Wld, q_wald_p = res$QEp.Wld, q_lrt = res$QE.LRT, q_lrt_p = res$QEp.LRT,
       q_df = res$QE.df, k = res$k, method = res$method, test = res$test,
       yi = I(as.numeric(res$yi)), vi = I(as.numeric(res$vi)))
}

# lme4's own deviance function (nAGQ = 7) at given c(theta, beta): what lib.stats' _glmm._deviance
# reproduces. PIRLS is run to tolPwrss 1e-13 (its default 1e-7 leaves errors up to ~1e-7 in the
# deviance), or the tightest of 1e-12, 1e-10 that converges.
lme4_devfun_at <- function(xi, ni, points) {
  study <- factor(seq_along(xi))
  dat <- data.frame(xi = xi, mi = ni - xi, study = study)
  one <- function(tol) {
    f <- glmer(cbind(xi, mi) ~ 1 + (1 | study), data = dat, family = binomial, nAGQ = 7,
               devFunOnly = TRUE, control = glmerControl(tolPwrss = tol))
    sapply(points, function(p) f(p))
  }
  for (tol in c(1e-13, 1e-12, 1e-10)) {
    v <- tryCatch(one(tol), error = function(e) NULL)
    if (!is.null(v)) break
  }
  list(theta = I(sapply(points, `[`, 1)), beta = I(sapply(points, `[`, 2)), deviance = I(v), tolPwrss = tol)
}

fit_tight <- function(xi, ni, conf) {
  r <- tryCatch(fit_glmm(xi, ni, conf, tight_glmer), error = function(e) NULL)
  if (is.null(r)) {
    r <- fit_glmm(xi, ni, conf, tight_glmer_fallback)
    r$control <- "tolPwrss = 1e-9"
  } else {
    r$control <- "tolPwrss = 1e-10"
  }
  r
}

loo <- function(d, conf, tight) {
  k <- length(d$xi)
  cols <- c("estimate", "ci_lower", "ci_upper", "tau2", "i2", "q_wald", "q_wald_p")
  out <- lapply(cols, function(x) rep(NA_real_, k))
  names(out) <- cols
  for (i in seq_len(k)) {
    r <- tryCatch(if (tight) fit_tight(d$xi[-i], d$ni[-i], conf) else fit_glmm(d$xi[-i], d$ni[-i], conf, list()),
                  error = function(e) NULL)
    if (is.null(r)) next
    for (cc in cols) out[[cc]][i] <- r[[cc]]
  }
  lapply(out, I)
}

cases <- list()
for (nm in names(glmm_data)) {
  d <- glmm_data[[nm]]
  for (conf in c(0.95, 0.90)) {
    if (conf != 0.95 && !(nm %in% c("pritz1997", "small_with_zero_and_all"))) next
    cat(nm, conf, "\n")
    cases[[length(cases) + 1]] <- list(
      name = nm, conf = conf,
      call = sprintf('res <- rma.glmm(measure = "PLO", xi = xi, ni = ni, level = %s); predict(res, transf = transf.ilogit); rma.glmm(measure = "PLO", xi = xi[-i], ni = ni[-i]) for each i',
                     100 * conf),
      xi = I(d$xi), ni = I(d$ni), labels = I(d$labels),
      default = fit_glmm(d$xi, d$ni, conf, list()), tight = fit_tight(d$xi, d$ni, conf),
      leave1out_default = loo(d, conf, FALSE), leave1out_tight = loo(d, conf, TRUE))
    t <- cases[[length(cases)]]$tight
    opt <- c(sqrt(t$tau2), t$estimate_logit)
    cases[[length(cases)]]$lme4_devfun <- lme4_devfun_at(
      d$xi, d$ni, list(opt, c(0.5, 0), c(2, opt[2]), c(opt[1], opt[2] + 0.5), c(0, opt[2]), c(4, -1)))
  }
}
for (nm in names(failing)) {
  d <- failing[[nm]]
  err <- tryCatch({ rma.glmm(measure = "PLO", xi = d$xi, ni = d$ni); "no error" },
                  error = function(e) conditionMessage(e))
  case <- list(name = nm, conf = 0.95, call = 'rma.glmm(measure = "PLO", xi = xi, ni = ni)',
               xi = I(d$xi), ni = I(d$ni), error = err)
  if (nm == "homogeneous") {
    ee <- rma.glmm(measure = "PLO", xi = d$xi, ni = d$ni, method = "EE")
    pr <- predict(ee, transf = transf.ilogit)
    case$equal_effects <- list(call = 'rma.glmm(measure = "PLO", xi = xi, ni = ni, method = "EE")',
                               estimate = pr$pred, ci_lower = pr$ci.lb, ci_upper = pr$ci.ub,
                               estimate_logit = as.numeric(ee$beta), se_logit = ee$se,
                               q_wald = ee$QE.Wld, q_lrt = ee$QE.LRT)
  }
  cases[[length(cases) + 1]] <- case
}
write_ref(cases, "meta_glmm.json", c("metafor", "lme4"))

# ---------------------------------------------------------------- subgroups
subgroup_data <- list(
  debruin2009_ethnicity = list(xi = dat.debruin2009$xi, ni = dat.debruin2009$ni,
                               group = as.character(dat.debruin2009$ethnicity)),
  debruin2009_patients = list(xi = dat.debruin2009$xi, ni = dat.debruin2009$ni,
                              group = as.character(dat.debruin2009$patients)),
  zero_and_all = list(xi = c(0, 3, 5, 2, 9, 1), ni = c(4, 7, 5, 9, 9, 12),
                      group = c("x", "y", "x", "y", "x", "y"))
)
for (nm in names(heldout)) {
  d <- heldout[[nm]]
  if (length(d$xi) >= 6) subgroup_data[[nm]] <- d[c("xi", "ni", "group")]
}
sub_cases <- list()
for (nm in names(subgroup_data)) {
  d <- subgroup_data[[nm]]
  cat("subgroup", nm, "\n")
  one <- function(control) {
    res <- suppressWarnings(rma.glmm(measure = "PLO", xi = d$xi, ni = d$ni, mods = ~ factor(d$group),
                                     control = control))
    list(q_between = res$QM, df = res$QMdf[1], p_value = res$QMp, tau2 = res$tau2, k = res$k, p = res$p)
  }
  # a group whose studies all have 0 (or all) events has no finite log-odds: glmer's coefficient
  # diverges and QM is meaningless (lib.stats raises ValueError)
  extreme_group <- any(tapply(seq_along(d$xi), d$group, function(i) all(d$xi[i] == 0) || all(d$xi[i] == d$ni[i])))
  case <- list(name = nm, method = "GLMM", test = "z",
    call = 'rma.glmm(measure = "PLO", xi = xi, ni = ni, mods = ~ factor(group)): QM, QMdf, QMp',
    xi = I(d$xi), ni = I(d$ni), group = I(d$group))
  if (extreme_group) {
    case$diverged <- one(list())
  } else {
    case$default <- one(list())
    case$tight <- tryCatch(one(tight_glmer), error = function(e) one(tight_glmer_fallback))
  }
  sub_cases[[length(sub_cases) + 1]] <- case
}
# a group whose studies all have 0 events: glmer's coefficient diverges and metafor reports QM = 0
d <- list(xi = c(2, 5, 0, 0), ni = c(10, 10, 10, 9), group = c("a", "a", "b", "b"))
res <- suppressWarnings(rma.glmm(measure = "PLO", xi = d$xi, ni = d$ni, mods = ~ factor(d$group)))
sub_cases[[length(sub_cases) + 1]] <- list(
  name = "group_all_zero", method = "GLMM", test = "z",
  call = 'rma.glmm(measure = "PLO", xi = xi, ni = ni, mods = ~ factor(group))',
  xi = I(d$xi), ni = I(d$ni), group = I(d$group),
  diverged = list(q_between = res$QM, df = res$QMdf[1], p_value = res$QMp, tau2 = res$tau2, k = res$k,
                  p = res$p, coefficient = as.numeric(res$beta[2]), se = res$se[2]))
write_ref(sub_cases, "meta_glmm_subgroup.json", c("metafor", "lme4"), script = "meta_glmm.R")
