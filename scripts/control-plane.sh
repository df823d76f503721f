#!/usr/bin/env bash
# Provides the binaries of a real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager)
# for the end-to-end tests, without Docker.
#
# Order of preference:
#   1. KUBEBUILDER_ASSETS pointing at a directory with kube-apiserver and etcd (e.g. from setup-envtest);
#   2. binaries built earlier into the cache;
#   3. a build from the k8s.io/kubernetes Go module (needs Go and the Go module proxy).
# etcd comes from PATH, the Debian package etcd-server, or a build of go.etcd.io/etcd/server/v3 (always with
# WH_ETCD_BUILD=1).
#
# The last line printed is the directory holding the binaries. Safe to run again: it does nothing when the
# binaries are already there.
set -euo pipefail

K8S_VERSION="${WH_K8S_VERSION:-v1.36.3}"
ETCD_VERSION="${WH_ETCD_VERSION:-v3.6.8}"  # the etcd version k8s.io/kubernetes v1.36.3 requires
CACHE_DIR="${WH_CACHE_DIR:-$HOME/.cache/worker-health}"
BIN_DIR="$CACHE_DIR/k8s/$K8S_VERSION"
BUILD_DIR="$CACHE_DIR/k8s-build/$K8S_VERSION"

log() { printf '%s\n' "control-plane: $*" >&2; }

fail() {
  log "ERROR: $*"
  exit 1
}

# Runs a command; on failure names the exact command and shows the end of its output.
run() {
  local out
  out="$(mktemp)"
  log "+ $*"
  local rc=0
  "$@" >"$out" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]]; then
    tail -n 40 "$out" >&2
    rm -f "$out"
    fail "command failed (exit $rc): $*"
  fi
  rm -f "$out"
}

is_executable() { [[ -f "$1" && -x "$1" ]]; }

use_kubebuilder_assets() {
  local dir="${KUBEBUILDER_ASSETS:-}"
  [[ -n "$dir" ]] || return 1
  if is_executable "$dir/kube-apiserver" && is_executable "$dir/etcd"; then
    if ! is_executable "$dir/kube-controller-manager"; then
      # setup-envtest ships no controller-manager; Deployments then get no ReplicaSets and nothing is
      # garbage-collected, which the end-to-end tests check.
      log "warning: $dir has no kube-controller-manager; the end-to-end tests need one there and will not start without it"
    fi
    log "using KUBEBUILDER_ASSETS=$dir"
    printf '%s\n' "$dir"
    exit 0
  fi
  log "KUBEBUILDER_ASSETS=$dir lacks kube-apiserver or etcd; providing binaries in $BIN_DIR instead"
  return 1
}

require_go() {
  command -v go >/dev/null 2>&1 || fail "go not found in PATH; install Go or set KUBEBUILDER_ASSETS to a directory with kube-apiserver and etcd"
}

# Module versions of the k8s.io staging repositories follow the Kubernetes version: v1.36.3 -> v0.36.3.
staging_version() { printf 'v0.%s\n' "${K8S_VERSION#v1.}"; }

# Writes a module that requires k8s.io/kubernetes and points each staging module it requires (listed in the
# kubernetes go.mod as `k8s.io/x v0.0.0` with `replace k8s.io/x => ./staging/...`) at its published version.
write_kubernetes_wrapper_module() {
  local kubernetes_mod staging
  staging="$(staging_version)"
  mkdir -p "$BUILD_DIR"
  # go mod download needs a module to run in; the real go.mod is written below.
  printf 'module local.invalid/control-plane-build\n\ngo 1.24\n' >"$BUILD_DIR/go.mod"
  local download
  if ! download="$(cd "$BUILD_DIR" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" 2>&1)"; then
    printf '%s\n' "$download" >&2
    fail "command failed: (cd $BUILD_DIR && go mod download -json k8s.io/kubernetes@$K8S_VERSION)"
  fi
  kubernetes_mod="$(printf '%s\n' "$download" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -f "$kubernetes_mod" ]] || fail "go mod download -json k8s.io/kubernetes@$K8S_VERSION gave no go.mod"

  local go_directive staging_modules
  go_directive="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$kubernetes_mod" | head -n1)"
  staging_modules="$(awk '
    /^replace[[:space:]]*\(/ { in_replace = 1; next }
    in_replace && /^\)/ { in_replace = 0 }
    in_replace && $3 ~ /^\.\/staging\// { print $1 }
    /^replace[[:space:]]+k8s\.io\/[^ ]+[[:space:]]+=>[[:space:]]+\.\/staging\// { print $2 }
  ' "$kubernetes_mod" | sort -u)"
  [[ -n "$staging_modules" ]] || fail "no ./staging replacements found in $kubernetes_mod"

  {
    printf 'module local.invalid/control-plane-build\n\ngo %s\n\n' "$go_directive"
    printf 'require k8s.io/kubernetes %s\n\nreplace (\n' "$K8S_VERSION"
    local module
    for module in $staging_modules; do
      # Only modules kubernetes requires; the sample-* ones it merely replaces need not be downloadable.
      if grep -Eq "^[[:space:]]*(require[[:space:]]+)?${module//./\\.}[[:space:]]+v0\.0\.0" "$kubernetes_mod"; then
        printf '\t%s => %s %s\n' "$module" "$module" "$staging"
      fi
    done
    printf ')\n'
  } >"$BUILD_DIR/go.mod"
  rm -f "$BUILD_DIR/go.sum"
}

build_kubernetes() {
  require_go
  write_kubernetes_wrapper_module
  local minor="${K8S_VERSION#v1.}"
  minor="${minor%%.*}"
  local version_flags="" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    version_flags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    version_flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  mkdir -p "$BIN_DIR"
  local started=$SECONDS
  log "building kube-apiserver and kube-controller-manager $K8S_VERSION in $BUILD_DIR (takes a while)"
  (
    cd "$BUILD_DIR"
    export CGO_ENABLED=0 GOFLAGS=-mod=mod
    run go mod download k8s.io/kubernetes
    # Into a side directory first, so an interrupted build never leaves a half-written binary in the cache.
    rm -rf out
    run go build -trimpath -ldflags="-s -w$version_flags" -o out/ \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
    mv out/kube-apiserver out/kube-controller-manager "$BIN_DIR/"
  )
  log "built kube-apiserver and kube-controller-manager in $((SECONDS - started))s"
}

install_etcd() {
  if is_executable "$BIN_DIR/etcd"; then
    return 0
  fi
  if [[ "${WH_ETCD_BUILD:-}" == 1 ]]; then
    build_etcd
    return 0
  fi
  local found
  found="$(command -v etcd 2>/dev/null || true)"
  if [[ -z "$found" && -x /usr/bin/apt-get ]]; then
    local sudo=""
    [[ "$(id -u)" == 0 ]] || sudo="sudo"
    if [[ -z "$sudo" ]] || command -v sudo >/dev/null 2>&1; then
      log "installing etcd from the Debian package etcd-server"
      run $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends etcd-server
      # The package starts a system etcd on the default ports; the tests run their own on other ports.
      if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
        $sudo systemctl disable --now etcd >/dev/null 2>&1 || true
      fi
      found="$(command -v etcd 2>/dev/null || true)"
    fi
  fi
  if [[ -n "$found" ]]; then
    ln -sf "$found" "$BIN_DIR/etcd"
    return 0
  fi
  build_etcd
}

build_etcd() {
  require_go
  local dir="$CACHE_DIR/etcd-build/$ETCD_VERSION"
  mkdir -p "$dir"
  printf 'module local.invalid/etcd-build\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >"$dir/go.mod"
  log "building etcd $ETCD_VERSION in $dir"
  (
    cd "$dir"
    export CGO_ENABLED=0 GOFLAGS=-mod=mod
    run go build -trimpath -ldflags="-s -w" -o out/etcd go.etcd.io/etcd/server/v3
    mv out/etcd "$BIN_DIR/etcd"
  )
}

main() {
  use_kubebuilder_assets || true
  mkdir -p "$BIN_DIR"
  if ! is_executable "$BIN_DIR/kube-apiserver" || ! is_executable "$BIN_DIR/kube-controller-manager"; then
    build_kubernetes
  fi
  install_etcd
  local binary
  for binary in etcd kube-apiserver kube-controller-manager; do
    is_executable "$BIN_DIR/$binary" || fail "$BIN_DIR/$binary is missing after the build"
  done
  printf '%s\n' "$BIN_DIR"
}

main "$@"
