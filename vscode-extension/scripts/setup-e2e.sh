#!/usr/bin/env bash
# Everything the extension's build and tests need, installed offline-safe and idempotently:
#   1. Debian packages: chromium (the browser the end-to-end test drives), libkrb5-dev (a
#      native module of code-server builds against it), ripgrep (code-server's search; its own
#      postinstall would download one), g++/make (node-gyp). As root they are installed with
#      apt-get; otherwise the missing ones are listed with the command to install them.
#   2. The npm workspace at the repository root (`npm ci` from the committed package-lock.json).
#   3. code-server 4.100.3 (the newest that runs on Node 20) under vscode-extension/.e2e/,
#      with @vscode/ripgrep's download replaced by Debian's rg placed in its cache.
# Quick when done: each step checks a stamp or the installed version first.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # vscode-extension/
ROOT="$(cd "$HERE/.." && pwd)"                              # repository root
E2E="$HERE/.e2e"
CODE_SERVER_VERSION=4.100.3
RIPGREP_CACHE_VERSION=1.15.11        # @vscode/ripgrep's cache folder name for code-server 4.100.3
RIPGREP_PREBUILT=v13.0.0-10          # the prebuilt ripgrep release it would download

say() { printf 'setup-e2e: %s\n' "$*" >&2; }

# ---- 1. Debian packages ----
need_pkgs=()
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
command -v rg >/dev/null 2>&1 || need_pkgs+=(ripgrep)
[ -e /usr/include/krb5.h ] || [ -e /usr/include/krb5/krb5.h ] || need_pkgs+=(libkrb5-dev)
command -v g++ >/dev/null 2>&1 || need_pkgs+=(g++)
command -v make >/dev/null 2>&1 || need_pkgs+=(make)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || say "apt-get update failed; trying the install with the lists there are"
    apt-get install -y -q --no-install-recommends "${need_pkgs[@]}" >/dev/null
  else
    say "missing Debian packages: ${need_pkgs[*]}"
    say "install them with: sudo apt-get install -y ${need_pkgs[*]}"
    exit 1
  fi
fi

command -v node >/dev/null 2>&1 || { say "Node.js 20 is required (node not found)"; exit 1; }
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  say "Node.js 20 or newer is required, found $(node --version)"
  exit 1
fi

# ---- 2. the npm workspace ----
stamp="$ROOT/node_modules/.aisci-installed"
if [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ] || [ "$HERE/package.json" -nt "$stamp" ]; then
  say "npm ci (workspace root)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  touch "$stamp"
fi

# ---- 3. code-server ----
cs_pkg="$E2E/code-server/node_modules/code-server/package.json"
if [ -f "$cs_pkg" ] && [ "$(node -p "require('$cs_pkg').version")" = "$CODE_SERVER_VERSION" ] \
   && [ -x "$E2E/code-server/node_modules/.bin/code-server" ]; then
  exit 0
fi
case "$(uname -m)" in
  x86_64) rg_target=x86_64-unknown-linux-musl ;;
  aarch64|arm64) rg_target=aarch64-unknown-linux-musl ;;
  *) say "no ripgrep cache recipe for $(uname -m)"; exit 1 ;;
esac
tmp="$E2E/tmp"
mkdir -p "$tmp/vscode-ripgrep-cache-$RIPGREP_CACHE_VERSION" "$E2E/code-server"
archive="$tmp/vscode-ripgrep-cache-$RIPGREP_CACHE_VERSION/ripgrep-$RIPGREP_PREBUILT-$rg_target.tar.gz"
# @vscode/ripgrep's postinstall takes the archive from its cache instead of downloading it.
[ -f "$archive" ] || tar -czf "$archive" -C "$(dirname "$(command -v rg)")" rg
[ -f "$E2E/code-server/package.json" ] || echo '{"private": true}' > "$E2E/code-server/package.json"
say "installing code-server $CODE_SERVER_VERSION (a few minutes the first time)"
(
  cd "$E2E/code-server"
  TMPDIR="$tmp" npm_config_nodedir=/usr npm_config_yes=true \
    npm install --no-audit --no-fund --loglevel=error --unsafe-perm "code-server@$CODE_SERVER_VERSION"
)
[ -x "$E2E/code-server/node_modules/.bin/code-server" ] || { say "code-server did not install"; exit 1; }
say "code-server $CODE_SERVER_VERSION ready"
