# Shared helpers for the reference scripts in this folder.
# Every script writes one JSON file next to itself; see README.md.
suppressPackageStartupMessages(library(jsonlite))

ref_dir <- function() {
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f) == 0) return(getwd())
  dirname(normalizePath(f[1]))
}

# Numbers are written with 15 significant digits; NA/NaN/Inf are written as the
# strings "NA", "NaN", "Inf", "-Inf" (the Python loader turns them into floats).
write_ref <- function(cases, name, packages = character(), script = sub("\\.json$", ".R", name)) {
  info <- list(
    r_version = R.version.string,
    packages = as.list(sapply(packages, function(p) as.character(packageVersion(p)))),
    generated_by = paste0("tests/reference/", script)
  )
  out <- list(info = info, cases = cases)
  path <- file.path(ref_dir(), name)
  write_json(out, path, digits = NA, na = "string", auto_unbox = TRUE, pretty = TRUE)
  cat("wrote", path, "(", length(cases), "cases )\n")
}

# Held-out data sets for the meta-analysis references (meta.R, meta_glmm.R): drawn once
# from a fixed seed after lib/stats/meta.py was written, and not tuned to (see
# README.md for the one bug they exposed). k = 3..10 studies,
# small (n 3-15) and large (n 200-2000) studies; the small ones get a study with 0 events
# and one with all events. The counts are written into the JSON, so the tests never
# depend on R's random number generator.
heldout_meta_sets <- function() {
  old <- if (exists(".Random.seed", envir = globalenv())) get(".Random.seed", envir = globalenv()) else NULL
  on.exit(if (!is.null(old)) assign(".Random.seed", old, envir = globalenv()))
  set.seed(20240613, kind = "Mersenne-Twister", normal.kind = "Inversion", sample.kind = "Rejection")
  out <- list()
  for (k in 3:10) {
    for (size in c("small", "large")) {
      ni <- if (size == "small") sample(3:15, k, replace = TRUE) else sample(200:2000, k, replace = TRUE)
      centre <- qlogis(runif(1, 0.15, 0.85))
      xi <- rbinom(k, ni, plogis(rnorm(k, centre, 0.9)))
      if (size == "small") {
        xi[1] <- 0
        if (k >= 4) xi[k] <- ni[k]
      }
      out[[sprintf("heldout_k%d_%s", k, size)]] <- list(
        xi = xi, ni = ni, labels = sprintf("h%d", seq_len(k)),
        group = rep(c("A", "B", "C"), length.out = k))
    }
  }
  out
}
