#!/usr/bin/env bash
# Installs what zk-supervisor's tests and demo need: Node.js 24 LTS when the machine's node is older
# (scripts/node-env.sh), the Debian `zookeeper` package (Java server used by the test harness) and `strace` when
# missing, and the npm dependencies (builds the native ZooKeeper client for that Node.js, ~30 s, then patches it:
# scripts/patch-zookeeper.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
missing=""
[ -f /usr/share/java/zookeeper.jar ] || missing=" zookeeper"
command -v strace >/dev/null || missing="$missing strace" # a test counts the binding's system calls
command -v spin >/dev/null || missing="$missing spin" # model/ is checked by the SPIN model checker
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing the Debian packages$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq $missing >/dev/null
  else
    echo "setup: missing Debian packages; run: sudo apt-get install -y$missing" >&2
    exit 1
  fi
fi
command -v java >/dev/null || { echo "setup: java is missing; run: sudo apt-get install -y default-jre-headless" >&2; exit 1; }
abi="$(node -p process.versions.modules)" # the addon loads only in the Node.js ABI it was built for
if [ ! -f node_modules/zookeeper/build/Release/zookeeper.node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
elif [ "$(cat node_modules/.zks-abi 2>/dev/null)" != "$abi" ]; then
  echo "setup: rebuilding the ZooKeeper addon for Node.js $(node -v)" >&2
  npm rebuild zookeeper --no-audit --no-fund
fi
echo "$abi" > node_modules/.zks-abi
node scripts/patch-zookeeper.mjs # the binding's resolution delay (a no-op once applied to this build)
if [ ! -x build/zks-leash ] || [ native/leash.c -nt build/zks-leash ] || [ ! -f build/zks-notify.node ] ||
  [ native/notify.c -nt build/zks-notify.node ]; then
  node scripts/build-native.mjs
fi
