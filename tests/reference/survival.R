# Reference values for lib.stats.kaplan_meier, lib.stats.logrank and
# lib.stats.cumulative_incidence (package survival).
#   KM       : fit <- survfit(Surv(time, event) ~ 1, conf.type = "log-log", conf.int = conf)
#              table columns from fit$time/n.risk/n.event/n.censor/surv/lower/upper;
#              median, LCL, UCL from summary(fit)$table (the same numbers print(fit) shows)
#   log-rank : survdiff(Surv(time, event) ~ group); df as print.survdiff computes it
#              (number of groups with expected > 0, minus 1)
#   AJ / CIF : survfit(Surv(time, factor(status, levels = c(0, types))) ~ 1)
#              (multi-state fit; conf.type defaults to "log"; std.err is the
#              infinitesimal-jackknife one, the only variance survfit offers for multi-state)
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])), "helpers.R"))
suppressPackageStartupMessages(library(survival))

# ---------------------------------------------------------------- Kaplan-Meier
km_data <- list(
  aml = list(time = aml$time, event = aml$status),
  lung = list(time = lung$time, event = lung$status - 1),
  ovarian = list(time = ovarian$futime, event = ovarian$fustat),
  small3 = list(time = c(5, 10, 15), event = c(1, 0, 1)),
  one_event = list(time = c(7), event = c(1)),
  one_censored = list(time = c(7), event = c(0)),
  all_censored = list(time = c(3, 8, 8, 14, 30), event = c(0, 0, 0, 0, 0)),
  all_events_ties = list(time = c(2, 2, 2, 5, 5, 8, 8, 8, 8), event = rep(1, 9)),
  mixed_ties = list(time = c(3, 3, 3, 6, 6, 9, 9, 12, 12, 12, 15),
                    event = c(1, 0, 1, 1, 1, 0, 1, 1, 0, 0, 0)),
  median_flat = list(time = c(1, 2, 3, 4), event = c(1, 1, 1, 1)),
  median_flat_with_censor = list(time = c(1, 2, 3, 4, 5, 6), event = c(1, 1, 1, 0, 1, 1)),
  time_zero = list(time = c(0, 0, 5, 7, 7, 30), event = c(1, 0, 1, 0, 1, 0)),
  float_days = list(time = c(1.5, 2.25, 2.25, 10.75, 14, 28.5, 60), event = c(1, 1, 0, 1, 0, 1, 0)),
  median_not_reached = list(time = c(10, 20, 30, 40, 50, 60, 70, 80), event = c(1, 0, 0, 1, 0, 0, 0, 0)),
  ends_with_event = list(time = c(4, 6, 6, 9, 11, 15, 22), event = c(1, 1, 0, 1, 0, 1, 1)),
  many_censored_15 = list(time = c(1, 2, 2, 3, 5, 8, 8, 13, 21, 21, 34, 55, 89, 90, 120),
                          event = c(0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0))
)
km_cases <- list()
for (nm in names(km_data)) {
  for (conf in c(0.95, 0.90)) {
    if (conf != 0.95 && !(nm %in% c("aml", "mixed_ties", "ovarian"))) next
    d <- km_data[[nm]]
    fit <- survfit(Surv(d$time, d$event) ~ 1, conf.type = "log-log", conf.int = conf)
    tab <- summary(fit)$table
    km_cases[[length(km_cases) + 1]] <- list(
      name = nm, conf = conf,
      call = sprintf('survfit(Surv(time, event) ~ 1, conf.type = "log-log", conf.int = %s)', conf),
      time_in = I(d$time), event_in = I(d$event),
      time = I(fit$time), n_at_risk = I(fit$n.risk), n_events = I(fit$n.event),
      n_censored = I(fit$n.censor), survival = I(fit$surv), std_err = I(fit$std.err),
      ci_lower = I(fit$lower), ci_upper = I(fit$upper),
      median = unname(tab["median"]), median_ci_lower = unname(tab[grep("LCL$", names(tab))]),
      median_ci_upper = unname(tab[grep("UCL$", names(tab))]))
  }
}
write_ref(km_cases, "km.json", "survival")

# ---------------------------------------------------------------- log-rank
lung_e <- lung[!is.na(lung$ph.ecog), ]
lr_data <- list(
  aml_x = list(time = aml$time, event = aml$status, group = as.character(aml$x)),
  lung_sex = list(time = lung$time, event = lung$status - 1, group = as.character(lung$sex)),
  ovarian_rx = list(time = ovarian$futime, event = ovarian$fustat, group = as.character(ovarian$rx)),
  lung_ecog = list(time = lung_e$time, event = lung_e$status - 1, group = as.character(lung_e$ph.ecog)),
  veteran_celltype = list(time = veteran$time, event = veteran$status, group = as.character(veteran$celltype)),
  small_ties = list(time = c(2, 4, 4, 6, 8, 8), event = c(1, 1, 0, 1, 0, 1),
                    group = c("a", "a", "b", "b", "a", "b")),
  three_groups = list(time = c(3, 5, 5, 7, 10, 12, 12, 15, 20, 22, 25, 30),
                      event = c(1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 0),
                      group = c("a", "b", "c", "a", "b", "c", "a", "b", "c", "a", "b", "c")),
  no_events = list(time = c(1, 2, 3, 4, 5, 6), event = rep(0, 6), group = c("a", "a", "a", "b", "b", "b")),
  one_group_no_events = list(time = c(1, 2, 3, 4, 5, 6), event = c(1, 0, 1, 0, 0, 0),
                             group = c("a", "a", "a", "b", "b", "b")),
  all_events = list(time = c(2, 3, 3, 5, 8, 9, 9, 14), event = rep(1, 8),
                    group = c("a", "b", "a", "b", "a", "b", "a", "b")),
  group_zero_expected = list(time = c(1, 2, 5, 6, 7, 8), event = c(0, 0, 1, 1, 0, 1),
                             group = c("a", "a", "b", "b", "c", "c")),
  singletons = list(time = c(4, 9), event = c(1, 1), group = c("a", "b"))
)
lr_cases <- list()
for (nm in names(lr_data)) {
  d <- lr_data[[nm]]
  sd <- survdiff(Surv(d$time, d$event) ~ d$group)
  df <- sum(sd$exp > 0) - 1
  lr_cases[[length(lr_cases) + 1]] <- list(
    name = nm, call = "survdiff(Surv(time, event) ~ group)",
    time_in = I(d$time), event_in = I(d$event), group_in = I(d$group),
    group = I(sub("^d\\$group=", "", names(sd$n))), n = I(as.numeric(sd$n)),
    observed = I(sd$obs), expected = I(sd$exp), var = sd$var,
    statistic = sd$chisq, dof = df, p_value = suppressWarnings(pchisq(sd$chisq, df, lower.tail = FALSE)))
}
write_ref(lr_cases, "logrank.json", "survival")

# ---------------------------------------------------------------- Aalen-Johansen
mg_etime <- with(mgus2, ifelse(pstat == 0, futime, ptime))
mg_event <- with(mgus2, ifelse(pstat == 0, 2 * death, 1))  # 1 = PCM, 2 = death, 0 = censored
cif_data <- list(
  mgus2 = list(time = mg_etime, status = mg_event, types = c(1, 2)),
  small_two_types = list(time = c(3, 5, 5, 8, 8, 8, 12, 20, 20, 31),
                         status = c(1, 2, 0, 1, 1, 0, 2, 1, 0, 0), types = c(1, 2)),
  one_type = list(time = c(2, 4, 4, 7, 9, 12, 15), status = c(1, 0, 1, 1, 0, 1, 0), types = c(1)),
  three_types = list(time = c(1, 2, 3, 3, 4, 6, 6, 6, 9, 11, 14, 14),
                     status = c(3, 1, 2, 1, 0, 1, 3, 0, 2, 1, 0, 1), types = c(1, 2, 3)),
  all_censored = list(time = c(5, 10, 15, 20), status = c(0, 0, 0, 0), types = c(1, 2)),
  all_events_same_time = list(time = c(4, 4, 4, 4), status = c(1, 1, 2, 1), types = c(1, 2)),
  no_censoring = list(time = c(2, 3, 5, 8, 13), status = c(1, 2, 1, 2, 1), types = c(1, 2)),
  single_obs = list(time = c(6), status = c(2), types = c(1, 2)),
  competing_then_censor = list(time = c(1, 2, 2, 3, 10, 10, 11, 30, 45),
                               status = c(2, 1, 0, 2, 1, 1, 0, 2, 0), types = c(1, 2))
)
cif_cases <- list()
for (nm in names(cif_data)) {
  d <- cif_data[[nm]]
  st <- factor(d$status, levels = c(0, d$types))
  fit <- survfit(Surv(d$time, st) ~ 1)
  states <- fit$states  # "(s0)", then the event types
  rows <- list()
  for (j in seq_along(d$types)) {
    col <- which(states == as.character(d$types[j]))
    rows[[j]] <- list(event_type = d$types[j], time = I(fit$time),
                      n_at_risk = I(fit$n.risk[, 1]),
                      cif = I(fit$pstate[, col]), std_err = I(fit$std.err[, col]),
                      ci_lower = I(fit$lower[, col]), ci_upper = I(fit$upper[, col]))
  }
  cif_cases[[length(cif_cases) + 1]] <- list(
    name = nm, call = "survfit(Surv(time, factor(status, levels = c(0, types))) ~ 1)",
    conf_type = fit$conf.type, time_in = I(d$time), status_in = I(d$status), types = I(d$types),
    curves = rows)
}
write_ref(cif_cases, "cif.json", "survival")
