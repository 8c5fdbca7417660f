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
write_ref <- function(cases, name, packages = character()) {
  info <- list(
    r_version = R.version.string,
    packages = as.list(sapply(packages, function(p) as.character(packageVersion(p)))),
    generated_by = paste0("tests/reference/", sub("\\.json$", ".R", name))
  )
  out <- list(info = info, cases = cases)
  path <- file.path(ref_dir(), name)
  write_json(out, path, digits = NA, na = "string", auto_unbox = TRUE, pretty = TRUE)
  cat("wrote", path, "(", length(cases), "cases )\n")
}
