# Reference values for lib.stats.proportion_ci.
#   exact  : binom.test(k, n, conf.level = conf)$conf.int   (Clopper-Pearson)
#   wilson : prop.test(k, n, conf.level = conf, correct = FALSE)$conf.int (Wilson score)
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])), "helpers.R"))

grid <- list(c(0, 1), c(1, 1), c(0, 3), c(3, 3), c(1, 3), c(0, 5), c(5, 5), c(2, 5),
             c(3, 10), c(0, 12), c(12, 13), c(7, 15), c(15, 15), c(1, 15), c(50, 100),
             c(17, 40), c(99, 100), c(1, 1000))
cases <- list()
for (conf in c(0.95, 0.90, 0.99)) {
  for (kn in grid) {
    k <- kn[1]; n <- kn[2]
    bt <- binom.test(k, n, conf.level = conf)
    pt <- suppressWarnings(prop.test(k, n, conf.level = conf, correct = FALSE))
    cases[[length(cases) + 1]] <- list(
      k = k, n = n, conf = conf, estimate = unname(bt$estimate),
      exact_lower = bt$conf.int[1], exact_upper = bt$conf.int[2],
      wilson_lower = pt$conf.int[1], wilson_upper = pt$conf.int[2])
  }
}
write_ref(cases, "proportion.json")
