# shellcheck shell=bash
# Shared by scripts/test and scripts/demo: find Python 3.11, create .venv in the repository
# root and install the project into it (editable, with the test extras).
#
# Source it; it does not run anything on its own. After `sw_venv_setup`:
#   SW_ROOT  the repository root (also the current directory)
#   SW_VENV  the virtual environment ($SW_ROOT/.venv)
#
# Set SW_PYTHON to pick the interpreter yourself. The install is skipped when pyproject.toml is
# unchanged since the last successful one (a stamp inside .venv holds its sha256); set
# SW_FORCE_INSTALL=1 to reinstall anyway.

SW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SW_VENV="$SW_ROOT/.venv"
SW_STAMP="$SW_VENV/.singlewindow-install.sha256"

sw_log() { printf '%s\n' "$*" >&2; }
sw_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Print the path of a Python 3.11 interpreter, or nothing.
sw_find_python() {
    local candidate
    local -a candidates=()
    if [[ -n "${SW_PYTHON:-}" ]]; then
        candidates=("$SW_PYTHON")
    else
        candidates=(python3.11 python3)
        # A pyenv install that is not the selected version still counts.
        local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
        for candidate in "$pyenv_root"/versions/3.11*/bin/python3.11; do
            [[ -x "$candidate" ]] && candidates+=("$candidate")
        done
    fi
    for candidate in "${candidates[@]}"; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        # Run it: a pyenv shim exists even when it would not run 3.11.
        if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' >/dev/null 2>&1
        then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

sw_sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

sw_venv_setup() {
    cd "$SW_ROOT" || sw_die "cannot enter the repository root"

    if [[ -e "$SW_VENV" ]] && ! "$SW_VENV/bin/python" -c '' >/dev/null 2>&1; then
        sw_log "== .venv exists but its python does not run (moved or removed interpreter?): recreating it =="
        rm -rf "$SW_VENV"
    fi

    if [[ ! -e "$SW_VENV" ]]; then
        local python
        python="$(sw_find_python)" || sw_die "Python 3.11 not found: tried ${SW_PYTHON:-python3.11, python3 and the 3.11 versions of pyenv}. Install Python 3.11 (the project requires >=3.11,<3.12) or point SW_PYTHON at one."
        sw_log "== creating .venv with $python ($("$python" --version 2>&1)) =="
        "$python" -m venv "$SW_VENV" || sw_die "could not create .venv (on Debian: apt-get install python3.11-venv)"
    fi

    "$SW_VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
        || sw_die ".venv runs $("$SW_VENV/bin/python" --version 2>&1), not Python 3.11: remove .venv and run this again"

    local want have=""
    want="$(sw_sha256 "$SW_ROOT/pyproject.toml")"
    [[ -f "$SW_STAMP" ]] && have="$(cat "$SW_STAMP")"
    if [[ "$want" == "$have" && "${SW_FORCE_INSTALL:-0}" != "1" ]]; then
        sw_log "== .venv is up to date with pyproject.toml (SW_FORCE_INSTALL=1 reinstalls) =="
        return 0
    fi

    sw_log "== installing the project into .venv (pip install -e \".[test]\") =="
    rm -f "$SW_STAMP"
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
        "$SW_VENV/bin/python" -m pip install --quiet -e ".[test]" \
        || sw_die "pip install -e \".[test]\" failed"
    printf '%s\n' "$want" >"$SW_STAMP"
}
