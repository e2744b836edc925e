#!/usr/bin/env bash
# The one test command (README, CI): system packages, npm ci, type-check, mocha.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-test-deps.sh
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci --no-audit --no-fund
npm test
