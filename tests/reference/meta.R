# Reference values for lib.stats.meta (package metafor): the normal-normal model, REML and DL.
#
# meta.json, one case per data set x method x test x conf:
#   res  <- rma(measure = "PLO", xi = events, ni = totals, method = METHOD, test = TEST, level = 100 * conf)
#           (defaults: to = "only0", add = 1/2, control = default threshold 1e-5)
#   pred <- predict(res, transf = transf.ilogit)   (pi.type "default": qnorm with test "z",
#                                                   qt(k - 1) with test "knha", for CI and PI alike)
#   weights(res)                                    (percent)
#   l1o  <- leave1out(res, transf = transf.ilogit)  (k >= 2)
# Each case is also fitted with control = list(threshold = 1e-12, maxiter = 10000) ("tight"),
# which removes metafor's Fisher-scoring stopping error from the REML comparison.
#
# meta_subgroup.json, one case per data set x method x test:
#   rma(measure = "PLO", xi, ni, mods = ~ factor(group), method = METHOD, test = TEST): QM, QMdf, QMp, tau2
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])), "helpers.R"))
suppressPackageStartupMessages(library(metafor))

meta_data <- list(
  pritz1997 = list(xi = dat.pritz1997$xi, ni = dat.pritz1997$ni, labels = dat.pritz1997$authors),
  debruin2009 = list(xi = dat.debruin2009$xi, ni = dat.debruin2009$ni, labels = dat.debruin2009$author),
  small_with_zero_and_all = list(xi = c(0, 3, 5, 2), ni = c(4, 7, 5, 9), labels = c("A", "B", "C", "D")),
  three_small = list(xi = c(2, 6, 1), ni = c(3, 15, 8), labels = c("s1", "s2", "s3")),
  homogeneous = list(xi = c(5, 5, 5), ni = c(10, 10, 10), labels = c("a", "b", "c")),
  two_studies = list(xi = c(1, 9), ni = c(12, 10), labels = c("first", "second")),
  single_study = list(xi = c(3), ni = c(10), labels = c("only")),
  single_study_zero = list(xi = c(0), ni = c(6), labels = c("only")),
  all_zero = list(xi = c(0, 0, 0), ni = c(5, 8, 3), labels = c("a", "b", "c")),
  all_events = list(xi = c(4, 6, 10), ni = c(4, 6, 10), labels = c("a", "b", "c")),
  heterogeneous = list(xi = c(1, 12, 3, 14, 0, 7), ni = c(15, 14, 12, 15, 10, 9),
                       labels = c("p1", "p2", "p3", "p4", "p5", "p6"))
)
heldout <- heldout_meta_sets()
meta_data <- c(meta_data, lapply(heldout, function(d) d[c("xi", "ni", "labels")]))

tight_control <- list(threshold = 1e-12, maxiter = 10000)

fit_case <- function(d, method, test, conf, control) {
  res <- suppressWarnings(rma(measure = "PLO", xi = d$xi, ni = d$ni, method = method, test = test,
                              level = 100 * conf, control = control))
  pr <- predict(res, transf = transf.ilogit)
  prl <- predict(res)
  out <- list(estimate = pr$pred, ci_lower = pr$ci.lb, ci_upper = pr$ci.ub,
       pred_lower = pr$pi.lb, pred_upper = pr$pi.ub,
       estimate_logit = as.numeric(res$beta), se_logit = res$se,
       ci_lower_logit = res$ci.lb, ci_upper_logit = res$ci.ub,
       pred_lower_logit = prl$pi.lb, pred_upper_logit = prl$pi.ub,
       tau2 = res$tau2, i2 = res$I2, h2 = res$H2, q = res$QE, q_df = res$k - res$p,
       q_p_value = res$QEp, k = res$k, method = res$method, test = res$test,
       ddf = if (is.na(res$ddf)) "NA" else res$ddf, s2w = res$s2w,
       yi = I(as.numeric(res$yi)), vi = I(as.numeric(res$vi)), weight = I(unname(weights(res))))
  if (res$k >= 2) {
    l1 <- leave1out(res, transf = transf.ilogit)
    out$leave1out <- list(estimate = I(l1$estimate), ci_lower = I(l1$ci.lb), ci_upper = I(l1$ci.ub),
                          tau2 = I(l1$tau2), i2 = I(l1$I2), q = I(l1$Q), q_p_value = I(l1$Qp))
  }
  out
}

cases <- list()
for (nm in names(meta_data)) {
  d <- meta_data[[nm]]
  for (method in c("REML", "DL")) {
    for (test in c("z", "knha")) {
      for (conf in c(0.95, 0.90)) {
        if (conf != 0.95 && !(nm %in% c("pritz1997", "small_with_zero_and_all", "heldout_k5_small"))) next
        default <- fit_case(d, method, test, conf, list())
        tight <- fit_case(d, method, test, conf, tight_control)
        cases[[length(cases) + 1]] <- list(
          name = nm, method = method, test = test, conf = conf,
          call = sprintf('res <- rma(measure = "PLO", xi = xi, ni = ni, method = "%s", test = "%s", level = %s); predict(res, transf = transf.ilogit); leave1out(res, transf = transf.ilogit)',
                         method, test, 100 * conf),
          xi = I(d$xi), ni = I(d$ni), labels = I(d$labels),
          default = default, tight = tight)
      }
    }
  }
}
write_ref(cases, "meta.json", "metafor")

# ---------------------------------------------------------------- subgroups
subgroup_data <- list(
  debruin2009_ethnicity = list(xi = dat.debruin2009$xi, ni = dat.debruin2009$ni,
                               group = as.character(dat.debruin2009$ethnicity)),
  debruin2009_patients = list(xi = dat.debruin2009$xi, ni = dat.debruin2009$ni,
                              group = as.character(dat.debruin2009$patients)),
  three_groups_one_df = list(xi = c(2, 5, 7, 3), ni = c(10, 10, 10, 9), group = c("a", "a", "b", "c")),
  zero_and_all = list(xi = c(0, 3, 5, 2, 9, 1), ni = c(4, 7, 5, 9, 9, 12),
                      group = c("x", "y", "x", "y", "x", "y"))
)
for (nm in names(heldout)) {
  d <- heldout[[nm]]
  if (length(d$xi) >= 5) subgroup_data[[nm]] <- d[c("xi", "ni", "group")]
}
sub_cases <- list()
for (nm in names(subgroup_data)) {
  d <- subgroup_data[[nm]]
  for (method in c("REML", "DL")) {
    for (test in c("z", "knha")) {
      one <- function(control) {
        res <- rma(measure = "PLO", xi = d$xi, ni = d$ni, mods = ~ factor(d$group), method = method,
                   test = test, control = control)
        list(q_between = res$QM, df = res$QMdf[1], df2 = if (is.na(res$QMdf[2])) "NA" else res$QMdf[2],
             p_value = res$QMp, tau2 = res$tau2, k = res$k, p = res$p)
      }
      sub_cases[[length(sub_cases) + 1]] <- list(
        name = nm, method = method, test = test,
        call = sprintf('rma(measure = "PLO", xi = xi, ni = ni, mods = ~ factor(group), method = "%s", test = "%s"): QM, QMdf, QMp',
                       method, test),
        xi = I(d$xi), ni = I(d$ni), group = I(d$group),
        default = one(list()), tight = one(tight_control))
    }
  }
}
write_ref(sub_cases, "meta_subgroup.json", "metafor", script = "meta.R")
