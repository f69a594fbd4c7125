#!/usr/bin/env bash
# Install R, metafor and jsonlite (the R side of the benchmark exchanges JSON) for the benchmark
# and for regenerating test reference values (Debian/Ubuntu; r-cran-metafor also ships
# metafor's datasets). Needs root or sudo.
set -euo pipefail
if command -v Rscript >/dev/null 2>&1 && Rscript -e 'library(metafor); library(jsonlite)' >/dev/null 2>&1; then
  echo "R with metafor and jsonlite is already installed: metafor $(Rscript -e 'cat(as.character(packageVersion("metafor")))')"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends r-cran-metafor r-cran-jsonlite
Rscript -e 'library(metafor); cat("metafor", as.character(packageVersion("metafor")), "\n")'
