#!/usr/bin/env bash
# Installs the Debian packages aisci needs (TeX subset, latexmk, chktex, poppler, bubblewrap,
# libseccomp for the runs' syscall filter),
# or, without root or apt, says exactly what is missing and how to install it.
# Idempotent: when everything is there it only checks (well under a second).
set -euo pipefail

# probe (a command, a TeX file found by kpsewhich, or a shared library the dynamic linker
# knows) -> the Debian package that provides it
declare -A PROBES=(
  [cmd:pdflatex]=texlive-latex-base
  [cmd:bibtex]=texlive-latex-base
  [cmd:latexmk]=latexmk
  [cmd:chktex]=chktex
  [cmd:pdftotext]=poppler-utils
  [cmd:pdftoppm]=poppler-utils
  [cmd:bwrap]=bubblewrap
  [lib:libseccomp.so.2]=libseccomp2
  [tex:natbib.sty]=texlive-latex-recommended
  [tex:booktabs.sty]=texlive-latex-recommended
  [tex:algorithmicx.sty]=texlive-science
  [tex:enumitem.sty]=texlive-latex-extra
  [tex:times.sty]=texlive-fonts-recommended
)

missing_packages() {
  local probe kind name libs
  # read once, whole: a pipe into grep -q could end ldconfig early and fail under pipefail
  libs=$(/sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null || true)
  for probe in "${!PROBES[@]}"; do
    kind=${probe%%:*}; name=${probe#*:}
    if [[ $kind == cmd ]]; then
      command -v "$name" >/dev/null 2>&1 || echo "${PROBES[$probe]}"
    elif [[ $kind == lib ]]; then
      [[ $libs == *"$name "* ]] || echo "${PROBES[$probe]}"
    else
      command -v kpsewhich >/dev/null 2>&1 && kpsewhich "$name" >/dev/null 2>&1 || echo "${PROBES[$probe]}"
    fi
  done | sort -u
}

# python3 -m venv needs python3-venv on Debian; only ask for it when venv is really unavailable.
venv_missing() {
  local probe
  probe=$(mktemp -d)
  if python3 -m venv "$probe/v" >/dev/null 2>&1; then rm -rf "$probe"; return 1; fi
  rm -rf "$probe"; return 0
}

need=$(missing_packages | tr '\n' ' ')
if [[ ! -x .venv/bin/python ]] && venv_missing; then need+="python3-venv "; fi
need=${need% }
if [[ -z $need ]]; then
  echo "system packages: all present"
  exit 0
fi

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "system packages: installing $need"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $need
  still=$(missing_packages | tr '\n' ' ')
  if [[ -n ${still// /} ]]; then
    echo "system packages: still missing after apt-get install: $still" >&2
    exit 1
  fi
  exit 0
fi

cat >&2 <<MSG
aisci needs these Debian packages, which are not installed: $need
This script installs them only when run as root with apt-get. Install them yourself with:

    sudo apt-get install -y --no-install-recommends $need

then run the make command again. (On other systems: a TeX Live with latexmk and chktex,
poppler's pdftotext/pdftoppm, and bubblewrap.)
MSG
exit 1
