# Sourced by bin/run, bin/test and .ci/run (not executed). Defines ROOT, VENV and venv_ensure.
#
# venv_ensure REQUIREMENTS_FILE
#   Creates $VENV (default ROOT/.venv) with python3 if it is missing or broken, and runs
#   `pip install -r REQUIREMENTS_FILE` only when that file (or a file it pulls in with -r) changed
#   since the last successful install. The stamp is a sha256 kept inside the venv, so deleting the
#   venv also forgets the stamp. A lock keeps two concurrent callers from installing at once.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

# The file and, recursively, the files it includes with -r / --requirement (relative to it).
_requirements_closure() {
  local file="$1" depth="${2:-0}" dir line
  [ "$depth" -le 5 ] || { echo "requirements include depth > 5 at $file" >&2; return 1; }
  [ -f "$file" ] || { echo "missing requirements file: $file" >&2; return 1; }
  echo "$file"
  dir="$(dirname "$file")"
  local pattern='^[[:space:]]*(-r|--requirement)[[:space:]=]+([^[:space:]#]+)'
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line =~ $pattern ]]; then
      _requirements_closure "$dir/${BASH_REMATCH[2]}" $((depth + 1)) || return 1
    fi
  done <"$file"
  return 0
}

_venv_setup() {
  local requirements="$1" stamp hash listing
  local -a files
  listing="$(_requirements_closure "$requirements")" || return 1
  mapfile -t files <<<"$listing"
  hash="$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)"
  stamp="$VENV/.installed-$(basename "$requirements").sha256"

  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    echo "==> creating virtualenv $VENV ($(python3 --version 2>&1))" >&2
    rm -rf "$VENV"
    python3 -m venv "$VENV" || return 1
  fi
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
    return 0
  fi
  echo "==> installing $(basename "$requirements") into $VENV" >&2
  "$VENV/bin/python" -m pip install --quiet -r "$requirements" || return 1
  echo "$hash" >"$stamp"
}

venv_ensure() {
  local requirements="$ROOT/${1:?usage: venv_ensure REQUIREMENTS_FILE}" rc
  mkdir -p "$(dirname "$VENV")"
  if command -v flock >/dev/null 2>&1; then
    # The lock lives outside the venv (which may be deleted) and outside the repository (untracked files).
    exec 9>"${TMPDIR:-/tmp}/venv-$(printf %s "$VENV" | sha256sum | cut -c1-16).lock"
    flock 9
    _venv_setup "$requirements"
    rc=$?
    flock -u 9
    exec 9>&-
    return $rc
  fi
  _venv_setup "$requirements"
}
