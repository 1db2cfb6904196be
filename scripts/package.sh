#!/usr/bin/env bash
# `npm run package`: dist/zk-supervisor_<version>_<arch>.deb, holding everything a host needs and nothing it must
# compile — the Node.js 24 runtime (/usr/lib/zk-supervisor/node), the bundled application with the prebuilt
# ZooKeeper addon for that runtime and the leash (/usr/lib/zk-supervisor/app), /usr/bin/zk-supervisor, the systemd
# units, an example config (a conffile), the man pages (1 and 5), bash completion and the changelog. Needs dpkg-deb (Debian's dpkg).
# ZKS_DEB_COMPRESS (default xz) picks the compression: the tests use gzip, faster to build; ZKS_PACKAGE_BUILT=1
# packages what is built already.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
command -v dpkg-deb >/dev/null || { echo "package: dpkg-deb is missing: apt-get install dpkg" >&2; exit 1; }
if [ -z "${ZKS_PACKAGE_BUILT:-}" ]; then # the tests package what `npm test` built
  bash scripts/setup.sh
  npm run --silent build
fi
version="$(node -p "require('./package.json').version")"
arch="$(dpkg --print-architecture)"
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
lib="$root/usr/lib/zk-supervisor"
app="$lib/app"

# The runtime: the Node.js this script runs on (24, see node-env.sh) — the one the addon was built for.
install -D -m 0755 "$(command -v node)" "$lib/node"
# The application: the CLI bundle, its entry point, the leash and the notifier, and the ZooKeeper addon with what it
# loads at run time.
install -d "$app/bin" "$app/build" "$app/dist" "$app/node_modules"
cp -r dist/zk-supervisor.mjs dist/chunks "$app/dist/"
tail -n +2 bin/zk-supervisor.js > "$app/bin/zk-supervisor.js" # without its `#!/usr/bin/env node`: never that node
install -m 0755 build/zks-leash "$app/build/"
install -m 0644 build/zks-notify.node "$app/build/"
node -e '
  const p = require("./package.json");
  const out = { name: p.name, version: p.version, description: p.description, license: p.license, type: p.type };
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
' > "$app/package.json"
zk="$app/node_modules/zookeeper"
install -d "$zk/build/Release"
cp -r node_modules/zookeeper/package.json node_modules/zookeeper/LICENSE* node_modules/zookeeper/lib "$zk/"
rm -f "$zk"/lib/*.d.ts
install -m 0644 node_modules/zookeeper/build/Release/zookeeper.node "$zk/build/Release/"
install -d "$app/node_modules/async/dist" "$app/node_modules/node-gyp-build"
cp node_modules/async/package.json node_modules/async/LICENSE "$app/node_modules/async/"
cp node_modules/async/dist/async.js "$app/node_modules/async/dist/"
cp node_modules/node-gyp-build/{package.json,LICENSE,index.js,node-gyp-build.js} "$app/node_modules/node-gyp-build/"
strip --strip-unneeded "$lib/node" "$zk/build/Release/zookeeper.node" "$app/build/zks-leash" "$app/build/zks-notify.node"

# The command: the package's own runtime, wherever the package's tree is (a scratch root in the tests).
install -d "$root/usr/bin"
cat > "$root/usr/bin/zk-supervisor" <<'EOF'
#!/bin/sh
self="$(/bin/readlink -f "$0")" # absolute: the command needs nothing on PATH
here="${self%/*}"
exec "$here/../lib/zk-supervisor/node" "$here/../lib/zk-supervisor/app/bin/zk-supervisor.js" "$@"
EOF
chmod 0755 "$root/usr/bin/zk-supervisor"

install -d "$root/lib/systemd/system"
install -m 0644 systemd/*.service systemd/*.timer "$root/lib/systemd/system/"
install -D -m 0644 config/minimal.yaml "$root/etc/zk-supervisor/example.yaml"
doc="$root/usr/share/doc/zk-supervisor"
install -d "$doc" "$root/usr/share/man/man1" "$root/usr/share/man/man5"
gzip -9n < README.md > "$doc/README.md.gz"
install -m 0644 config/*.yaml "$doc/" && gzip -9n "$doc"/*.yaml
install -D -m 0644 contrib/grafana/zk-supervisor.json "$doc/examples/grafana/zk-supervisor.json"
install -D -m 0644 contrib/prometheus/alerts.yaml "$doc/examples/prometheus/alerts.yaml"
node scripts/debian-changelog.mjs "$version" | gzip -9n > "$doc/changelog.gz"
cat > "$doc/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: zk-supervisor

Files: *
Copyright: 2025-2026 the zk-supervisor authors
License: Apache-2.0
 On Debian systems, the full text of the Apache License 2.0 is in /usr/share/common-licenses/Apache-2.0.

Files: usr/lib/zk-supervisor/node
Copyright: Node.js contributors and others (https://github.com/nodejs/node/blob/main/LICENSE)
License: Expat
 The Node.js runtime (https://nodejs.org), built by the Node.js project; its LICENSE lists its parts.
EOF
install -d "$root/usr/share/bash-completion/completions"
"$root/usr/bin/zk-supervisor" completion > "$root/usr/share/bash-completion/completions/zk-supervisor"
node --import tsx scripts/config-reference.ts --man "$version" | gzip -9n > "$root/usr/share/man/man5/zk-supervisor.yaml.5.gz"
gzip -9n < docs/config.md > "$doc/config.md.gz"
"$root/usr/bin/zk-supervisor" --help | node scripts/man-page.mjs "$version" | gzip -9n > "$root/usr/share/man/man1/zk-supervisor.1.gz"

# What lintian flags and why it stays (each with its reason).
install -d "$root/usr/share/lintian/overrides"
cat > "$root/usr/share/lintian/overrides/zk-supervisor" <<'EOF'
# The official Node.js build is shipped as it is (not PIE, its own zlib): the addon is built for exactly it.
zk-supervisor: hardening-no-pie [usr/lib/zk-supervisor/node]
zk-supervisor: embedded-library zlib [usr/lib/zk-supervisor/node]
# async is what the zookeeper addon's JavaScript requires, at the version it was tested with.
zk-supervisor: embedded-javascript-library please use libjs-async [usr/lib/zk-supervisor/app/node_modules/async/dist/async.js]
# The leash is static on purpose: it must keep working whatever a job does to the host's libraries.
zk-supervisor: statically-linked-binary [usr/lib/zk-supervisor/app/build/zks-leash]
EOF
install -d "$root/DEBIAN"
size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
cat > "$root/DEBIAN/control" <<EOF
Package: zk-supervisor
Version: $version
Architecture: $arch
Maintainer: zk-supervisor maintainers <zk-supervisor@users.noreply.github.com>
Installed-Size: $size
Depends: libc6 (>= 2.28), libgcc-s1, libstdc++6 (>= 10)
Section: admin
Priority: optional
Homepage: https://github.com/zk-supervisor/zk-supervisor
Description: process supervisor driven by ZooKeeper leader election
 Several hosts run it with the same config; the one that wins the election
 runs the configured command (a cron job, a singleton worker), stops it when
 it loses leadership or its session, and never lets two copies run at once.
 It carries its own Node.js runtime and prebuilt ZooKeeper client.
EOF
echo /etc/zk-supervisor/example.yaml > "$root/DEBIAN/conffiles"
# Installing or upgrading reloads systemd's units but never (re)starts an instance: a leader restarting by itself
# is a failover nobody asked for. Instances pick the new version up when the operator restarts them.
cat > "$root/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
  systemctl --system daemon-reload >/dev/null || true
fi
EOF
cat > "$root/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = remove ] || [ "$1" = purge ]; then
  if [ -d /run/systemd/system ]; then systemctl --system daemon-reload >/dev/null || true; fi
fi
if [ "$1" = purge ]; then rmdir /etc/zk-supervisor 2>/dev/null || true; fi
EOF
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/postrm"

out="dist/zk-supervisor_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Z"${ZKS_DEB_COMPRESS:-xz}" --build "$root" "$out" >/dev/null
echo "$out"
