# Reference values for lib.stats.pool_proportions (package metafor).
#   res  <- rma(measure = "PLO", xi = events, ni = totals, method = METHOD, level = 100 * conf)
#           (defaults: to = "only0", add = 1/2, test = "z", control = default threshold 1e-5)
#   pred <- predict(res, transf = transf.ilogit)       (pi.type "default": normal quantile when test = "z")
#   weights(res)                                       (percent)
# Each case is also fitted with control = list(threshold = 1e-12, maxiter = 10000)
# ("tight"), which removes metafor's Fisher-scoring stopping error from the REML comparison.
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

fit_case <- function(d, method, conf, control) {
  res <- rma(measure = "PLO", xi = d$xi, ni = d$ni, method = method, level = 100 * conf,
             control = control)
  pr <- predict(res, transf = transf.ilogit)
  prl <- predict(res)
  list(estimate = pr$pred, ci_lower = pr$ci.lb, ci_upper = pr$ci.ub,
       pred_lower = pr$pi.lb, pred_upper = pr$pi.ub,
       estimate_logit = as.numeric(res$beta), se_logit = res$se,
       ci_lower_logit = res$ci.lb, ci_upper_logit = res$ci.ub,
       pred_lower_logit = prl$pi.lb, pred_upper_logit = prl$pi.ub,
       tau2 = res$tau2, i2 = res$I2, h2 = res$H2, q = res$QE, q_df = res$k - res$p,
       q_p_value = res$QEp, k = res$k, method = res$method,
       yi = I(as.numeric(res$yi)), vi = I(as.numeric(res$vi)), weight = I(unname(weights(res))))
}

cases <- list()
for (nm in names(meta_data)) {
  d <- meta_data[[nm]]
  for (method in c("REML", "DL")) {
    for (conf in c(0.95, 0.90)) {
      if (conf != 0.95 && !(nm %in% c("pritz1997", "small_with_zero_and_all"))) next
      default <- fit_case(d, method, conf, list())
      tight <- fit_case(d, method, conf, list(threshold = 1e-12, maxiter = 10000))
      cases[[length(cases) + 1]] <- list(
        name = nm, method = method, conf = conf,
        call = sprintf('rma(measure = "PLO", xi = xi, ni = ni, method = "%s", level = %s); predict(res, transf = transf.ilogit)', method, 100 * conf),
        xi = I(d$xi), ni = I(d$ni), labels = I(d$labels),
        default = default, tight = tight)
    }
  }
}
write_ref(cases, "meta.json", "metafor")
