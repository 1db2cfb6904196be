#!/usr/bin/env bash
# Runs a command with Node.js 24 LTS first on PATH (see scripts/node-env.sh): `bash scripts/run.sh node …`.
set -euo pipefail
source "$(dirname "$0")/node-env.sh"
exec "$@"
