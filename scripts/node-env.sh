# Sourced by scripts/setup.sh and scripts/run.sh: puts Node.js 24 LTS first on PATH. The machine's `node` is used
# when it is 24 or newer; otherwise the official build, published on the npm registry as `node-linux-<arch>`, is
# fetched once into .cache/ (npm is all it needs) and `npm_config_nodedir` points node-gyp at its headers, so the
# ZooKeeper addon compiles offline against the runtime that loads it.
ZKS_NODE_VERSION=24.22.3
zks_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
zks_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$zks_major" -lt 24 ]; then
  case "$(uname -m)" in
    x86_64) zks_arch=x64 ;;
    aarch64) zks_arch=arm64 ;;
    *) echo "setup: no Node.js 24 build for $(uname -m) on the npm registry; install Node.js 24 first" >&2; exit 1 ;;
  esac
  zks_dir="$zks_root/.cache/node-v$ZKS_NODE_VERSION-$zks_arch"
  if [ ! -x "$zks_dir/bin/node" ]; then
    echo "setup: fetching Node.js $ZKS_NODE_VERSION (node-linux-$zks_arch from the npm registry)" >&2
    zks_tmp="$(mktemp -d)"
    (cd "$zks_tmp" && npm pack --silent "node-linux-$zks_arch@$ZKS_NODE_VERSION" >/dev/null)
    mkdir -p "$zks_dir.part"
    tar -xzf "$zks_tmp"/node-linux-*.tgz -C "$zks_dir.part" --strip-components=1
    rm -rf "$zks_tmp" "$zks_dir"
    mv "$zks_dir.part" "$zks_dir"
  fi
  export PATH="$zks_dir/bin:$PATH"
  export npm_config_nodedir="$zks_dir"
fi
