#!/usr/bin/env bash
# Installs what the end-to-end suite needs, outside the project's normal `npm install`:
#   - Debian packages: chromium (driven by playwright-core), ripgrep, libkrb5-dev, libsecret-1-dev
#   - code-server 4.100.3 (VS Code 1.100.3 on Node 20), cached in .cache/code-server (git-ignored)
# Idempotent: when everything is present it returns in well under a second.
# See ../shared/recipes/vscode-e2e-offline.md for why each step is the way it is.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CS_VERSION="4.100.3"
CS_DIR="${SWITCHBOARD_CODE_SERVER_DIR:-$ROOT/.cache/code-server}"
CS_BIN="$CS_DIR/node_modules/.bin/code-server"
STAMP="$CS_DIR/.installed-$CS_VERSION"

log() { printf '[e2e-setup] %s\n' "$*" >&2; }

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
dpkg -s libsecret-1-dev >/dev/null 2>&1 || need_apt+=(libsecret-1-dev)

if ((${#need_apt[@]})); then
  log "apt-get install ${need_apt[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ -f "$STAMP" ] && [ -x "$CS_BIN" ]; then
  log "code-server $CS_VERSION already installed in $CS_DIR"
  exit 0
fi

# @vscode/ripgrep's postinstall downloads rg from GitHub (unreachable): pre-seed its cache with Debian's rg.
RG_CACHE="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-1.15.11"
RG_TAR="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$RG_TAR" ]; then
  log "seeding @vscode/ripgrep cache from $(command -v rg)"
  mkdir -p "$RG_CACHE/stage"
  cp "$(command -v rg)" "$RG_CACHE/stage/rg"
  tar czf "$RG_TAR" -C "$RG_CACHE/stage" rg
fi

log "installing code-server@$CS_VERSION into $CS_DIR (a few minutes, ~300 MB)"
mkdir -p "$CS_DIR"
cd "$CS_DIR"
[ -f package.json ] || npm init -y >/dev/null
# npm 11 blocks dependency install scripts by default; code-server needs its postinstall (and the nested
# installs it runs, which inherit this setting through npm_config_* in their environment).
printf 'dangerously-allow-all-scripts=true\n' > .npmrc
# code-server's postinstall checks npm_config_unsafe_perm as root and runs `npx node-gyp` (needs npm_config_yes).
npm_config_yes=true npm_config_unsafe_perm=true npm install --no-audit --no-fund "code-server@$CS_VERSION" >&2
XDG_CONFIG_HOME="$CS_DIR/.xdg" "$CS_BIN" --version >&2
touch "$STAMP"
log "done"
