#!/usr/bin/env bash
# Runs a command in a network namespace of its own, holding only a loopback interface, so that the
# ports its ranks serve on (MASTER_PORT, Gloo's pairs) cannot collide with a second test run, or
# anything else, on the same machine: every namespace has its own port space. The namespace goes
# away with the command. ctest runs the tests that open ports through here (tests/CMakeLists.txt).
#
#   own_network.sh COMMAND [ARGS...]
#
# Creating a namespace needs CAP_SYS_ADMIN (CI runs as root); `unshare` is util-linux's and `ip`
# iproute2's (scripts/setup.sh installs it). Without the capability the command runs in the
# machine's own namespace, after a note on stderr, and picks free ports as it would anyway.
set -u
if [[ ${SIM_OWN_NETWORK:-} != 1 ]] && unshare --net true 2>/dev/null; then
  exec unshare --net env SIM_OWN_NETWORK=1 bash -c \
    'ip link set lo up || { echo "own_network.sh: cannot bring up loopback" >&2; exit 1; }; exec "$@"' \
    own_network "$@"
fi
[[ ${SIM_OWN_NETWORK:-} == 1 ]] ||
  echo "own_network.sh: no network namespace here (needs CAP_SYS_ADMIN): on the machine's own ports" >&2
exec "$@"
