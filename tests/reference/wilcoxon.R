# Reference values for lib.stats.paired_change and lib.stats.two_sample.
#   paired     : wilcox.test(after, before, paired = TRUE)   (R defaults: exact = NULL, correct = TRUE)
#   two-sample : wilcox.test(a, b)                          (R defaults: exact = NULL, correct = TRUE)
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])), "helpers.R"))

paired <- list(
  # Hollander & Wolfe depression data (example in ?wilcox.test): exact, no ties
  hollander_wolfe = list(before = c(1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30),
                         after  = c(0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29)),
  # Student's sleep data: ties and a zero difference -> normal approximation
  sleep = list(before = sleep$extra[sleep$group == 1], after = sleep$extra[sleep$group == 2]),
  small_exact = list(before = c(120, 85, 300, 45, 60), after = c(30, 40, 100, 50, 12)),
  ties = list(before = c(10, 12, 14, 16, 18, 20, 22), after = c(8, 10, 12, 17, 19, 19, 20)),
  zeros = list(before = c(5, 5, 7, 9, 3, 4, 8, 6), after = c(5, 3, 7, 2, 3, 1, 2, 6.5)),
  all_zero = list(before = c(2, 3, 4), after = c(2, 3, 4)),
  one_pair = list(before = c(100), after = c(40)),
  two_pairs = list(before = c(100, 50), after = c(40, 70)),
  with_missing = list(before = c(1200, NA, 800, 2500, 400, 900, NA),
                      after  = c(300, 150, NA, 600, 380, 950, NA)),
  all_increase = list(before = c(1, 2, 3, 4, 5, 6), after = c(2.5, 4, 6.1, 8, 10.2, 13)),
  n49_exact = list(before = rep(0, 49), after = (1:49) * rep(c(1, -1, 1, 1), length.out = 49)),
  n50_normal = list(before = rep(0, 50), after = (1:50) * rep(c(1, -1, 1, 1), length.out = 50)),
  decimals = list(before = c(0.3, 0.6, 0.9, 1.2), after = c(0.1, 0.2, 0.3, 0.4))
)

two <- list(
  # Hollander & Wolfe permeability data (example in ?wilcox.test): exact, no ties
  hollander_wolfe = list(a = c(0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46),
                         b = c(1.15, 0.88, 0.90, 0.74, 1.21)),
  # airquality Ozone, May vs August (example in ?wilcox.test): NAs and ties
  airquality = list(a = airquality$Ozone[airquality$Month == 5], b = airquality$Ozone[airquality$Month == 8]),
  small_exact = list(a = c(3, 7, 12), b = c(1, 2, 4, 5)),
  ties = list(a = c(1, 2, 2, 3, 3, 3), b = c(2, 3, 4, 4, 5)),
  one_each = list(a = c(5), b = c(9)),
  one_vs_three = list(a = c(10), b = c(1, 2, 3)),
  all_tied = list(a = c(4, 4, 4), b = c(4, 4)),
  with_missing = list(a = c(14, NA, 3, 21, 9), b = c(2, 5, NA, 1)),
  n49_exact = list(a = (1:49) * 2, b = (1:49) * 2 + 1),
  n50_normal = list(a = (1:50) * 2, b = (1:50) * 2 + 1),
  separated = list(a = c(1, 2, 3, 4, 5, 6, 7, 8), b = c(9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20))
)

cases <- list()
for (nm in names(paired)) {
  d <- paired[[nm]]
  t <- suppressWarnings(wilcox.test(d$after, d$before, paired = TRUE))
  ok <- complete.cases(d$after, d$before)
  diff <- d$after[ok] - d$before[ok]
  cases[[length(cases) + 1]] <- list(
    kind = "paired", name = nm,
    call = "wilcox.test(after, before, paired = TRUE)",
    before = I(d$before), after = I(d$after),
    n_pairs = sum(ok), mean_change = mean(diff), median_change = median(diff),
    statistic = unname(t$statistic), p_value = t$p.value, method = t$method)
}
for (nm in names(two)) {
  d <- two[[nm]]
  t <- suppressWarnings(wilcox.test(d$a, d$b))
  cases[[length(cases) + 1]] <- list(
    kind = "two_sample", name = nm, call = "wilcox.test(a, b)",
    a = I(d$a), b = I(d$b),
    n_a = sum(!is.na(d$a)), n_b = sum(!is.na(d$b)),
    median_a = median(d$a, na.rm = TRUE), median_b = median(d$b, na.rm = TRUE),
    statistic = unname(t$statistic), p_value = t$p.value, method = t$method)
}
write_ref(cases, "wilcoxon.json")
