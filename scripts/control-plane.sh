#!/usr/bin/env bash
# Provides the binaries of a real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager)
# for the end-to-end tests, without Docker.
#
#   bash scripts/control-plane.sh            the control plane's binaries
#   bash scripts/control-plane.sh --node     also a node's: kube-scheduler, kubelet, kube-proxy and kubectl; Debian's
#                                            containerd, runc, CNI plugins, iptables, buildah, mmdebstrap; the pause
#                                            image and the stand-in for the Dockerfiles' base image (needs root)
#   bash scripts/control-plane.sh --images   also the project's images, from the committed Dockerfiles and the jars
#                                            (./mvnw -B package -DskipTests first); implies --node
#
# Order of preference:
#   1. KUBEBUILDER_ASSETS pointing at a directory with kube-apiserver and etcd (e.g. from setup-envtest; not with
#      --node, whose binaries must be of the same version);
#   2. binaries built earlier into the cache;
#   3. a build from the k8s.io/kubernetes Go module (needs Go and the Go module proxy).
# etcd comes from PATH, the Debian package etcd-server, or a build of go.etcd.io/etcd/server/v3 (always with
# WH_ETCD_BUILD=1).
#
# The last line printed is the directory holding the binaries. Safe to run again: it does nothing when the
# binaries and images are already there (images are rebuilt when their jar, Dockerfile or base image changed).
set -euo pipefail

K8S_VERSION="${WH_K8S_VERSION:-v1.36.3}"
ETCD_VERSION="${WH_ETCD_VERSION:-v3.6.8}"  # the etcd version k8s.io/kubernetes v1.36.3 requires
CACHE_DIR="${WH_CACHE_DIR:-$HOME/.cache/worker-health}"
BIN_DIR="$CACHE_DIR/k8s/$K8S_VERSION"
BUILD_DIR="$CACHE_DIR/k8s-build/$K8S_VERSION"
# What a node adds to the control plane (--node); kubectl applies manifests as a user would.
NODE_COMMANDS=(kube-scheduler kubelet kube-proxy kubectl)

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

# Builds the named commands of k8s.io/kubernetes (cmd/<name>) into the cache.
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
  local started=$SECONDS packages=() name
  for name in "$@"; do
    packages+=("k8s.io/kubernetes/cmd/$name")
  done
  log "building $* $K8S_VERSION in $BUILD_DIR (takes a while)"
  (
    cd "$BUILD_DIR"
    export CGO_ENABLED=0 GOFLAGS=-mod=mod
    run go mod download k8s.io/kubernetes
    # Into a side directory first, so an interrupted build never leaves a half-written binary in the cache.
    rm -rf out
    run go build -trimpath -ldflags="-s -w$version_flags" -o out/ "${packages[@]}"
    for name in "$@"; do
      mv "out/$name" "$BIN_DIR/"
    done
  )
  log "built $* in $((SECONDS - started))s"
}

# Builds those of the named commands that are not in the cache yet.
build_missing() {
  local missing=() name
  for name in "$@"; do
    is_executable "$BIN_DIR/$name" || missing+=("$name")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    build_kubernetes "${missing[@]}"
  fi
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

# --- the node (--node) and the project's images (--images) --------------------------------------------------------
# A one-node cluster needs, besides the binaries above, a container runtime and images. No registry is reachable, so
# every image is built here with buildah (no Docker daemon): the pause image from the Kubernetes source, a stand-in
# for the Dockerfiles' base image, and the project's images from their committed Dockerfiles.

NODE_DIR="$CACHE_DIR/node"
IMAGES_DIR="$NODE_DIR/images"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
# The project's images of this checkout (several checkouts on a machine share the cache, each with its own jars): a
# directory named like LocalNode names it, after the first 12 hex digits of the SHA-256 of the checkout's path.
PROJECT_IMAGES_DIR="$IMAGES_DIR/$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-12)"
# The Debian packages the node runs on: the runtime, its networking, the image builder, and what builds pause.
NODE_PACKAGES=(containerd runc containernetworking-plugins iptables buildah mmdebstrap gcc libc6-dev openssl)
# The stand-in for the base image every Dockerfile here starts FROM: the one place that names it. Built with
# mmdebstrap from Debian (minbase) and Debian's JRE, and tagged with the upstream name, so the Dockerfiles build
# unchanged with --pull=never.
BASE_IMAGE="eclipse-temurin:17-jre"
BASE_SUITE="bookworm"
BASE_PACKAGES="openjdk-17-jre-headless"
BASE_JAVA_HOME="/usr/lib/jvm/java-17-openjdk-amd64"
BASE_RECIPE="mmdebstrap --variant=minbase $BASE_SUITE + $BASE_PACKAGES"
# The project's images: name|Dockerfile|build context|jar the Dockerfile copies (all relative to the repository).
PROJECT_IMAGES=(
  "sidecar|sidecar/Dockerfile|sidecar|sidecar/target/worker-health-sidecar.jar"
  "operator|operator/Dockerfile|operator|operator/target/worker-health-operator.jar"
  "example-app|examples/Dockerfile.app|examples|examples/target/worker-health-example-app.jar"
)
IMAGE_REGISTRY="ghcr.io/workerhealth"

buildah_() {
  buildah --root "$NODE_DIR/buildah/storage" --runroot "$NODE_DIR/buildah/run" --storage-driver overlay "$@"
}

require_root() {
  [[ "$(id -u)" == 0 ]] || fail "the node (--node, --images) needs root: containerd, kubelet and kube-proxy manage containers, cgroups and iptables"
}

install_node_packages() {
  local missing=() package
  for package in "${NODE_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ -x /usr/bin/apt-get ]] || fail "missing ${missing[*]}, and no apt-get to install them"
  log "installing Debian packages: ${missing[*]}"
  run env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  # Packages may start a system containerd; the node runs its own, with its own socket and state.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet containerd 2>/dev/null; then
    systemctl disable --now containerd >/dev/null 2>&1 || true
  fi
}

kubernetes_source() {
  local dir
  dir="$(cd "$BUILD_DIR" && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' k8s.io/kubernetes)" \
    || fail "cannot find the k8s.io/kubernetes $K8S_VERSION source in the Go module cache"
  printf '%s\n' "$dir"
}

# registry.k8s.io/pause:<tag> from build/pause of the Kubernetes source: pause.c compiled as upstream does
# (gcc -Os -static), the image from upstream's own Dockerfile on scratch. Saved as a docker-archive for containerd.
build_pause_image() {
  local source tag image tar
  source="$(kubernetes_source)"
  tag="$(sed -n 's/^TAG ?= *//p' "$source/build/pause/Makefile")"
  [[ -n "$tag" ]] || fail "no TAG in $source/build/pause/Makefile"
  image="registry.k8s.io/pause:$tag"
  tar="$IMAGES_DIR/pause-$tag.tar"
  printf '%s\n' "$image" >"$IMAGES_DIR/sandbox-image.new" && mv "$IMAGES_DIR/sandbox-image.new" "$IMAGES_DIR/sandbox-image"
  [[ -f "$tar" ]] && return 0
  log "building $image from $source/build/pause"
  local work
  work="$(mktemp -d)"
  mkdir -p "$work/bin"
  run gcc -Os -Wall -Werror -static "-DVERSION=v$tag-$K8S_VERSION" -o "$work/bin/pause-linux-amd64" \
    "$source/build/pause/linux/pause.c"
  run strip "$work/bin/pause-linux-amd64"
  run buildah_ bud --pull=never --isolation=chroot --build-arg BASE=scratch --build-arg ARCH=amd64 \
    -f "$source/build/pause/Dockerfile" -t "$image" "$work"
  run buildah_ push "$image" "docker-archive:$work/image.tar:$image"
  mv "$work/image.tar" "$tar"
  rm -rf "$work"
}

# The stand-in for $BASE_IMAGE in buildah's storage, labelled with its recipe (a changed recipe builds it again).
build_base_image() {
  local recipe
  recipe="$(buildah_ inspect --type image --format '{{index .OCIv1.Config.Labels "io.workerhealth.stand-in"}}' \
    "$BASE_IMAGE" 2>/dev/null || true)"
  [[ "$recipe" == "$BASE_RECIPE" ]] && return 0
  log "building the stand-in for $BASE_IMAGE: $BASE_RECIPE (downloads about 100 MB from Debian)"
  local work container
  work="$(mktemp -d)"
  # Without man pages, docs and locales; man1 stays, as update-alternatives links the JRE's man pages there.
  run mmdebstrap --variant=minbase --include="$BASE_PACKAGES" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
    "$BASE_SUITE" "$work/rootfs.tar"
  container="$(buildah_ from scratch)"
  run buildah_ add "$container" "$work/rootfs.tar" /
  run buildah_ config --env "JAVA_HOME=$BASE_JAVA_HOME" --env LANG=C.UTF-8 --cmd '["jshell"]' \
    --label "io.workerhealth.stand-in=$BASE_RECIPE" "$container"
  run buildah_ commit --rm "$container" "$BASE_IMAGE"
  rm -rf "$work"
}

check_dockerfiles_use_base_image() {
  local spec dockerfile from
  for spec in "${PROJECT_IMAGES[@]}"; do
    IFS='|' read -r _ dockerfile _ _ <<<"$spec"
    from="$(sed -n 's/^FROM[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' "$REPO_ROOT/$dockerfile")"
    [[ "$from" == "$BASE_IMAGE" ]] \
      || fail "$dockerfile starts FROM $from, but the stand-in built here is $BASE_IMAGE (BASE_IMAGE in $0)"
  done
}

prepare_node() {
  require_root
  install_node_packages
  mkdir -p "$IMAGES_DIR" "$NODE_DIR/buildah"
  (
    # One image build at a time on this machine: buildah's storage is shared.
    flock 9
    build_pause_image
    build_base_image
  ) 9>"$NODE_DIR/buildah/lock"
}

image_tag() {
  sed -n 's/^appVersion:[[:space:]]*"\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' \
    "$REPO_ROOT/charts/worker-health-operator/Chart.yaml"
}

# Each project image from its committed Dockerfile, as a docker-archive named after a hash of what goes into it
# (the jar, the Dockerfile and the base image), so an unchanged jar is not built again.
build_project_images() {
  check_dockerfiles_use_base_image
  local tag base_id
  tag="$(image_tag)"
  [[ -n "$tag" ]] || fail "no appVersion in charts/worker-health-operator/Chart.yaml"
  mkdir -p "$PROJECT_IMAGES_DIR"
  # Archives of one checkout's images were kept beside the pause image before; they would never be used again.
  find "$IMAGES_DIR" -maxdepth 1 \( -name 'sidecar-*.tar' -o -name 'operator-*.tar' -o -name 'example-app-*.tar' \) \
    -delete
  (
    flock 9
    base_id="$(buildah_ inspect --type image --format '{{.FromImageID}}' "$BASE_IMAGE")"
    local spec name dockerfile context jar key image tar
    for spec in "${PROJECT_IMAGES[@]}"; do
      IFS='|' read -r name dockerfile context jar <<<"$spec"
      [[ -f "$REPO_ROOT/$jar" ]] || fail "$jar is missing: build it first (./mvnw -B -ntp package -DskipTests)"
      key="$(cat "$REPO_ROOT/$jar" "$REPO_ROOT/$dockerfile" <(printf '%s' "$base_id") | sha256sum | cut -c1-16)"
      image="$IMAGE_REGISTRY/$name:$tag"
      tar="$PROJECT_IMAGES_DIR/$name-$key.tar"
      if [[ ! -f "$tar" ]]; then
        log "building $image from $dockerfile"
        run buildah_ bud --pull=never --isolation=chroot -f "$REPO_ROOT/$dockerfile" -t "$image" \
          "$REPO_ROOT/$context"
        rm -f "$tar.tmp"
        run buildah_ push "$image" "docker-archive:$tar.tmp:$image"
        mv "$tar.tmp" "$tar"
      fi
      # Only the current archive of each image stays: the node imports every archive in this directory.
      find "$PROJECT_IMAGES_DIR" -maxdepth 1 -name "$name-*.tar" ! -name "$name-$key.tar" -delete
    done
    # Layers of images built before stay in buildah's storage until pruned.
    buildah_ rmi --prune >/dev/null 2>&1 || true
  ) 9>"$NODE_DIR/buildah/lock"
}

main() {
  local node=false images=false arg
  for arg in "$@"; do
    case "$arg" in
      --node) node=true ;;
      --images) node=true; images=true ;;
      -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
      *) fail "unknown argument: $arg (usage: $0 [--node] [--images])" ;;
    esac
  done
  # The node's binaries must be of the same version as the control plane's: KUBEBUILDER_ASSETS serves only the
  # control plane alone.
  $node || use_kubebuilder_assets || true
  if $node; then
    require_root
  fi
  mkdir -p "$BIN_DIR"
  local binaries=(etcd kube-apiserver kube-controller-manager)
  if $node; then
    build_missing kube-apiserver kube-controller-manager "${NODE_COMMANDS[@]}"
    binaries+=("${NODE_COMMANDS[@]}")
  else
    build_missing kube-apiserver kube-controller-manager
  fi
  install_etcd
  local binary
  for binary in "${binaries[@]}"; do
    is_executable "$BIN_DIR/$binary" || fail "$BIN_DIR/$binary is missing after the build"
  done
  if $node; then
    prepare_node
  fi
  if $images; then
    build_project_images
  fi
  printf '%s\n' "$BIN_DIR"
}

main "$@"
