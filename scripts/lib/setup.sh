# Shared set-up for scripts/demo, scripts/test and the benchmark scripts.
# Source it; it defines helpers and changes to the repository root.

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
SCRIBE_ROOT=$(pwd)

# Debian packages Scribe builds against (the -dev packages behind the system-library
# targets) and the tools the demo and end-to-end tests use.
SCRIBE_APT_PACKAGES=(pkg-config libsndfile1-dev libfftw3-dev libsamplerate0-dev libpng-dev libopenblas-dev espeak-ng)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs missing Debian packages with apt-get when running as root; otherwise prints
# the exact command to run and stops.
ensure_packages() {
    local missing=()
    for p in "${SCRIBE_APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        say "installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "Scribe needs these Debian packages: ${missing[*]}" >&2
        echo "Install them with:" >&2
        echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
}

# Makes sure swift is on PATH (the toolchain lives in /opt/swift on the project's machines).
ensure_swift() {
    command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"
    command -v swift >/dev/null 2>&1 || { echo "swift was not found: install Swift 6 (swift.org) and put it on PATH" >&2; exit 1; }
}

# A Python virtual environment for the fixture and benchmark scripts, with the packages
# given as pip requirements (installed from PyPI when missing). Sets SCRIBE_PYTHON.
ensure_python_env() {
    local venv="${SCRIBE_VENV:-$SCRIBE_ROOT/.venv}"
    if [ ! -x "$venv/bin/python" ]; then
        say "creating the Python environment $venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --upgrade pip >/dev/null
    fi
    SCRIBE_PYTHON="$venv/bin/python"
    # pip returns quickly when every requirement is already satisfied.
    "$venv/bin/pip" install -q --disable-pip-version-check "$@" || { echo "could not install Python packages: $*" >&2; exit 1; }
}

# Where the shared corpora live: $SCRIBE_DATA, else ../shared/data next to the repository.
data_root() {
    echo "${SCRIBE_DATA:-$SCRIBE_ROOT/../shared/data}"
}
