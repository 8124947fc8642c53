#!/usr/bin/env bash
# Installs the Debian packages the build needs when they are missing: apt-get when root,
# otherwise a clear message naming what to install. Arguments: the groups wanted
# (pdf: xelatex and its fonts, rsvg-convert for the charts; browser: Chromium for the
# browser tests and the benchmark; node: Node.js and npm, asked for only when npm is missing).
# Quick when everything is present: it only asks dpkg.
set -euo pipefail

declare -A GROUP
GROUP[pdf]="texlive-xetex texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended latexmk fonts-freefont-otf xindy poppler-utils librsvg2-bin fonts-liberation"
GROUP[browser]="chromium fonts-liberation"
GROUP[node]="nodejs npm"

wanted=()
for g in "$@"; do
  [[ -n "${GROUP[$g]:-}" ]] || { echo "system-deps: unknown group '$g'" >&2; exit 2; }
  for p in ${GROUP[$g]}; do wanted+=("$p"); done
done

missing=()
for p in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
