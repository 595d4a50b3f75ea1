# The shared start of the Fashion-MNIST examples (fashion-mnist.sh, fashion-mnist-unseen.sh), which
# source it after setting `root` (the repository) and `out` (their output folder): installs what
# is missing and builds the programs (not the tests), puts the programs on PATH, and defines
#   data     the Fashion-MNIST folder of Debian's dataset-fashion-mnist
#   epochs   (--epochs N) when SIM_EPOCHS is set, else empty: sim-train's default
#   run CMD  echoes CMD ("+ ...") on stderr, then runs it, so the output teaches the commands
"$root/scripts/setup.sh" --programs  # the programs only: the test command builds the tests
export PATH="${SIM_BUILD_DIR:-$root/build}/tools:$PATH"
data=/usr/share/datasets/fashion-mnist
mkdir -p "$out"
epochs=()
if [[ -n ${SIM_EPOCHS:-} ]]; then epochs=(--epochs "$SIM_EPOCHS"); fi

run() {
  echo "+ $*" >&2
  "$@"
}
