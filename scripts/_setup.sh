# Shared by scripts/demo and scripts/test: make ./.venv with doover_fsm installed (editable, so the
# C core is compiled by cffi at install time, in place). Source it; it sets VENV and PY.
# Needs only python3 (>= 3.11) and a C compiler; as root on Debian it installs what is missing.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
VENV="${DOOVER_FSM_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

apt_install() {
    # apt_install PKG...: install Debian packages that are missing (only as root, non-interactive).
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        say "missing system packages: ${missing[*]} (install them, e.g. sudo apt-get install ${missing[*]})"
        return 1
    fi
    say "installing system packages: ${missing[*]}"
    if [ -z "${_DFSM_APT_UPDATED:-}" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        _DFSM_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_venv() {
    # ensure_venv EXTRAS: create the venv if needed and (re)install the package with EXTRAS.
    local extras="${1:-}"
    command -v python3 >/dev/null || { say "python3 is required"; exit 1; }
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
        say "Python >= 3.11 is required (found $(python3 --version))"; exit 1; }
    command -v cc >/dev/null || command -v gcc >/dev/null || apt_install gcc libc6-dev || true
    if [ ! -x "$PY" ]; then
        say "creating $VENV"
        if ! python3 -m venv "$VENV" 2>/dev/null; then
            rm -rf "$VENV"
            apt_install python3-venv python3-dev || true
            python3 -m venv "$VENV"
        fi
    fi
    local stamp="$VENV/.doover_fsm-installed${extras:+-$extras}"
    if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ] || \
       [ -n "$(find "$ROOT/csrc" "$ROOT/doover_fsm/_core" -newer "$stamp" \( -name '*.c' -o -name '*.h' -o -name '_build_*.py' \) 2>/dev/null | head -1)" ]; then
        say "installing doover_fsm${extras:+[$extras]} into $VENV (compiles the C core)"
        "$PY" -m pip install -q --upgrade pip >/dev/null
        "$PY" -m pip install -q -e "$ROOT${extras:+[$extras]}"
        touch "$stamp"
    fi
}

ensure_oracles() {
    # The pydoover oracles for the differential tests, each in a venv of its own under .oracles/
    # (never a runtime dependency, never imported by doover_fsm): 1.18.x and 0.4.18, with
    # its grpc extra (pydoover.docker imports its gRPC interfaces), transitions (pydoover.state) and
    # pymodbus (apps' modbus code), pinned as the tests expect.
    local dir="${DFSM_ORACLES:-$ROOT/.oracles}" name spec
    for pair in "pd118=pydoover[grpc]==1.18.3" "pd04=pydoover[grpc]==0.4.18"; do
        name="${pair%%=*}"; spec="${pair#*=}"
        if [ ! -f "$dir/$name/.installed-$spec" ]; then
            say "installing the oracle $spec into $dir/$name"
            rm -rf "${dir:?}/$name"
            mkdir -p "$dir"
            python3 -m venv "$dir/$name"
            "$dir/$name/bin/pip" install -q "$spec" "transitions==0.9.3" "pymodbus>=3.16,<4" \
                "pytest>=8" "pytest-asyncio>=1.0" >/dev/null
            touch "$dir/$name/.installed-$spec"
        fi
    done
}
