#!/usr/bin/env bash
# Installs the system side of camlab from Debian: Jupyter (nbconvert, ipykernel, the classic Notebook)
# for the notebooks and, with 'all', Chromium for the browser tests; with 'bench', PyTorch and torchvision,
# which `npm run bench` times beside camlab. As root on Debian it installs them; elsewhere it prints the
# commands and fails.   usage: setup-system.sh [jupyter|all|bench]
set -euo pipefail
case "${1:-all}" in
  jupyter) PACKAGES=(jupyter-nbconvert python3-ipykernel jupyter-client python3-nbclient jupyter-notebook)
    PIP='pip install nbconvert ipykernel jupyter_client notebook' ;;
  all) PACKAGES=(jupyter-nbconvert python3-ipykernel jupyter-client python3-nbclient jupyter-notebook chromium python3-h5py)
    PIP='pip install nbconvert ipykernel jupyter_client notebook h5py (and a Chromium for browser tests)' ;;
  bench) PACKAGES=(python3-torch python3-torchvision)
    PIP='pip install torch torchvision' ;;
  *) echo "usage: setup-system.sh [jupyter|all|bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "camlab setup: installing ${missing[*]} from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "camlab setup: these Debian packages are missing: ${missing[*]}" >&2
    echo "  install them with: sudo apt-get install ${missing[*]}" >&2
    echo "  or, with pip: $PIP" >&2
    exit 1
  fi
fi
