# Reference values for the numbers the pages show on the shipped data (issue 13).
#
# Independent of lib/: this script reads data/*.csv with read.csv, re-states the rules in R,
# and computes every statistic the Pooled evidence, Overview and Outcomes pages and the
# evidence summary show for the views the page tests open (tests/test_page_pooled.py,
# test_pages.py, test_page_outcomes.py, test_page_summary.py).
#
# Pooling rule (lib/pooled.py, re-stated): cohort rows only; pooled reviews out; outcome count
# empty -> out; counts_refer_to == "episodes" -> denominator n_episodes (out when empty);
# count above its denominator -> out; response: response_class must equal the chosen class;
# a subgroup row is out when its source has a whole-study row that passes the same tests.
# A pooled figure only when >= 3 rows remain, no two rows share a source, and (class "all")
# one class only.
#
# Statistics (metafor 3.8-1, lme4 1.1-31):
#   GLMM:  res <- rma.glmm(measure = "PLO", xi, ni); predict(res, transf = transf.ilogit)
#   knha:  res <- rma(measure = "PLO", xi, ni, method = "REML", test = "knha"); predict(...)
#   leave-one-out (GLMM): rma.glmm(measure = "PLO", xi[-i], ni[-i]) for each i
#   leave-one-out (rma):  leave1out(res, transf = transf.ilogit)
#   subgroups: rma.glmm(measure = "PLO", xi, ni, mods = ~ factor(group))$QM, $QMp
#   patient proportions: binom.test(k, n)$conf.int (exact Clopper-Pearson)
#
# Writes pages.json next to this script. Rerun after any change to data/*.csv:
#   Rscript tests/reference/pages.R
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])), "helpers.R"))
suppressPackageStartupMessages(library(metafor))
suppressPackageStartupMessages(library(lme4))

data_dir <- file.path(ref_dir(), "..", "..", "data")
rd <- function(name) read.csv(file.path(data_dir, paste0(name, ".csv")), stringsAsFactors = FALSE,
                              na.strings = "", colClasses = "character")
cohorts <- rd("cohorts")
cases <- rd("cases")
num <- function(x) suppressWarnings(as.numeric(x))
blank <- function(x) is.na(x) | x == ""

select_rows <- function(k, outcome, cls) {
  col <- if (outcome == "response") "responders" else "deaths"
  ev <- num(k[[col]])
  den <- ifelse(!blank(k$counts_refer_to) & k$counts_refer_to == "episodes", num(k$n_episodes), num(k$n))
  ok <- (blank(k$design) | k$design != "pooled_review") & !is.na(ev) & !is.na(den) & ev <= den
  if (outcome == "response" && cls != "all") ok <- ok & !blank(k$response_class) & k$response_class == cls
  whole <- unique(k$source_id[ok & blank(k$subgroup)])
  ok <- ok & !(!blank(k$subgroup) & k$source_id %in% whole)
  out <- k[ok, ]
  out$events <- ev[ok]
  out$total <- den[ok]
  out
}

blocks_of <- function(s, outcome) {
  b <- character()
  if (nrow(s) == 0) return("no_studies")
  if (any(duplicated(s$source_id))) b <- c(b, "sibling_subgroups")
  if (outcome == "response" && length(unique(ifelse(blank(s$response_class), "ns", s$response_class))) > 1)
    b <- c(b, "mixed_classes")
  if (nrow(s) < 3) b <- c(b, "too_few_studies")
  b
}

glmm <- function(xi, ni) {
  res <- suppressWarnings(rma.glmm(measure = "PLO", xi = xi, ni = ni))
  pr <- predict(res, transf = transf.ilogit)
  list(estimate = pr$pred, ci_lower = pr$ci.lb, ci_upper = pr$ci.ub, pi_lower = pr$pi.lb, pi_upper = pr$pi.ub,
       tau2 = res$tau2, i2 = res$I2, k = res$k)
}

knha <- function(xi, ni) {
  res <- rma(measure = "PLO", xi = xi, ni = ni, method = "REML", test = "knha")
  pr <- predict(res, transf = transf.ilogit)
  l1 <- leave1out(res, transf = transf.ilogit)
  list(estimate = pr$pred, ci_lower = pr$ci.lb, ci_upper = pr$ci.ub, pi_lower = pr$pi.lb, pi_upper = pr$pi.ub,
       tau2 = res$tau2, i2 = res$I2, k = res$k,
       leave1out = list(estimate = l1$estimate, ci_lower = l1$ci.lb, ci_upper = l1$ci.ub))
}

glmm_loo <- function(xi, ni) {
  est <- lo <- hi <- numeric(length(xi))
  for (i in seq_along(xi)) {
    r <- tryCatch(glmm(xi[-i], ni[-i]), error = function(e) NULL)
    est[i] <- if (is.null(r)) NA else r$estimate
    lo[i] <- if (is.null(r)) NA else r$ci_lower
    hi[i] <- if (is.null(r)) NA else r$ci_upper
  }
  list(estimate = est, ci_lower = lo, ci_upper = hi)
}

pool_view <- function(name, outcome, cls = "all", conditions = NULL, triggers = NULL, by = NULL) {
  k <- cohorts
  if (!is.null(conditions)) k <- k[k$condition %in% conditions, ]
  if (!is.null(triggers)) k <- k[k$trigger %in% triggers, ]
  s <- select_rows(k, outcome, cls)
  b <- blocks_of(s, outcome)
  case <- list(name = name, outcome = outcome, response_class = cls,
               conditions = if (is.null(conditions)) list() else as.list(conditions),
               triggers = if (is.null(triggers)) list() else as.list(triggers),
               by = if (is.null(by)) "none" else by,
               cohort_ids = as.list(sort(s$cohort_id)), events = s$events, totals = s$total,
               blocks = as.list(b))
  if (length(b) == 0) {
    case$glmm <- glmm(s$events, s$total)
    case$glmm_leave1out <- glmm_loo(s$events, s$total)
    case$glmm_leave1out$cohort_id <- s$cohort_id
    case$knha <- knha(s$events, s$total)
    case$call <- paste("rma.glmm(measure = 'PLO', xi, ni); rma(measure = 'PLO', xi, ni, method = 'REML',",
                       "test = 'knha'); leave-one-out refits")
    if (!is.null(by)) {
      g <- s[[by]]
      keep <- !blank(g)
      res <- suppressWarnings(rma.glmm(measure = "PLO", xi = s$events[keep], ni = s$total[keep],
                                       mods = ~ factor(g[keep])))
      case$subgroup_test <- list(q_between = res$QM, df = res$QMdf[1], p_value = res$QMp,
                                 groups = as.list(sort(unique(g[keep]))))
    }
  }
  case
}

cases_out <- list(
  pool_view("default_response", "response", "early_response"),
  pool_view("remission", "response", "remission"),
  pool_view("mortality", "mortality"),
  pool_view("mortality_by_age_group", "mortality", by = "age_group"),
  pool_view("mas_early_response", "response", "early_response", conditions = "mas"),
  pool_view("siblings_mortality", "mortality", triggers = c("sjia", "malignancy")),
  pool_view("siblings_only_mortality", "mortality", triggers = c("sjia", "malignancy", "covid19", "unknown")),
  pool_view("all_classes", "response", "all"),
  # the evidence summary's pooled sentences per condition and class (condition filter = secondary HLH)
  pool_view("shlh_early_response", "response", "early_response", conditions = "shlh"),
  pool_view("shlh_remission", "response", "remission", conditions = "shlh"),
  pool_view("shlh_sustained_remission", "response", "sustained_remission", conditions = "shlh"),
  pool_view("shlh_surrogate", "response", "surrogate", conditions = "shlh"),
  pool_view("shlh_mortality", "mortality", conditions = "shlh")
)

# individually described patients per condition (Overview headlines, Outcomes by condition)
for (cond in c("dira", "mas", "shlh", "phlh")) {
  x <- cases[cases$condition == cond, ]
  if (nrow(x) == 0) next
  r <- x$response
  counts <- sapply(c("complete", "partial", "improved", "none"), function(v) sum(!blank(r) & r == v))
  stated <- sum(counts)
  responders <- sum(counts[c("complete", "partial", "improved")])
  d <- x$death
  died <- sum(!blank(d) & d == "true")
  d_stated <- sum(!blank(d))
  ci <- if (stated > 0) binom.test(responders, stated)$conf.int else c(NA, NA)
  dci <- if (d_stated > 0) binom.test(died, d_stated)$conf.int else c(NA, NA)
  cases_out[[length(cases_out) + 1]] <- list(
    name = paste0("patients_", cond), condition = cond, n = nrow(x), counts = as.list(counts),
    n_stated = stated, responders = responders,
    response_ci = list(lower = ci[1], upper = ci[2]),
    died = died, death_n_stated = d_stated, death_ci = list(lower = dci[1], upper = dci[2]),
    call = "binom.test(k, n)$conf.int")
}

write_ref(cases_out, "pages.json", packages = c("metafor", "lme4"))
