# Sourced by bin/test (and bin/bench): provides a Docker engine (API >= 1.44) and the local test images.
# Reuses an engine that already answers; otherwise installs Engine 26 from Debian 13 (keeping Debian 12's runc)
# and starts it on a private socket. Functions print what they do on stderr, one line per step.

DWB_ENGINE_SOCK=${DWB_ENGINE_SOCK:-/run/dwb/docker.sock}
# The Kafka version: the build's (pom.xml's kafka.version), for the clients, the embedded broker and this image alike.
DWB_KAFKA_VERSION=${DWB_KAFKA_VERSION:-$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' \
  "$(dirname "${BASH_SOURCE[0]}")/../../pom.xml")}
DWB_KAFKA_IMAGE=${DWB_KAFKA_IMAGE:-local/kafka:$DWB_KAFKA_VERSION}
# The oldest broker line tested (pom.xml's kafka.oldest.version): topics created on brokers that lack newer settings.
DWB_KAFKA_OLDEST_VERSION=${DWB_KAFKA_OLDEST_VERSION:-$(sed -n \
  's:.*<kafka.oldest.version>\(.*\)</kafka.oldest.version>.*:\1:p' "$(dirname "${BASH_SOURCE[0]}")/../../pom.xml")}
DWB_KAFKA_OLDEST_IMAGE=${DWB_KAFKA_OLDEST_IMAGE:-local/kafka:$DWB_KAFKA_OLDEST_VERSION}
DWB_BUSYBOX_IMAGE=${DWB_BUSYBOX_IMAGE:-local/busybox:1}
DWB_STARTED_ENGINE_PID=

say() { echo "[test-env] $*" >&2; }

# Prints the API version of the engine at $1 (a DOCKER_HOST value) when it answers, nothing otherwise.
engine_api() {
  DOCKER_HOST=$1 timeout 10 docker version --format '{{.Server.APIVersion}}' 2>/dev/null || true
}

api_at_least_144() {
  local major=${1%%.*} minor=${1#*.}
  [ -n "$1" ] && { [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -ge 44 ]; }; }
}

# Installs packages from Debian 13 (trixie) on this Debian 12 machine, without adding trixie to its sources:
# only the named packages come from there; their dependencies must already be satisfied.
install_from_trixie() {
  local d src o
  d=$(mktemp -d); mkdir -p "$d/lists/partial"
  src=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $src trixie main" > "$d/sources.list"
  o="-o Dir::Etc::SourceList=$d/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$d/lists"
  # shellcheck disable=SC2086
  apt-get $o update -qq >&2
  # shellcheck disable=SC2086
  (cd "$d" && apt-get $o download "$@" >&2)
  local p debs=()
  for p in "$@"; do debs+=("$d/${p}"_*.deb); done
  dpkg -i "${debs[@]}" >&2
  rm -rf "$d"
}

install_engine() {
  if command -v dockerd >/dev/null && dockerd --version | grep -qE 'version (2[6-9]|[3-9][0-9])\.'; then return 0; fi
  say "installing Docker Engine 26 (Debian 13 packages on Debian 12, keeping Debian 12's runc) and busybox-static"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # Debian 12's docker.io brings containerd, runc, tini and iptables; Debian 13's engine then replaces it.
  apt-get install -y -qq docker.io busybox-static >&2
  install_from_trixie docker.io containerd
}

# Sets DOCKER_HOST to an engine that answers with API >= 1.44, starting one when needed.
ensure_engine() {
  local candidate api
  for candidate in ${DOCKER_HOST:-} unix:///var/run/docker.sock "unix://$DWB_ENGINE_SOCK"; do
    api=$(engine_api "$candidate")
    if api_at_least_144 "$api"; then
      export DOCKER_HOST=$candidate
      say "reusing the engine at $DOCKER_HOST (API $api)"
      return 0
    fi
  done
  install_engine
  command -v busybox >/dev/null || apt-get install -y -qq busybox-static >&2
  mkdir -p "$(dirname "$DWB_ENGINE_SOCK")" /var/lib/dwb-docker
  export DOCKER_HOST="unix://$DWB_ENGINE_SOCK"
  local driver
  for driver in $(storage_drivers); do
    say "starting dockerd on unix://$DWB_ENGINE_SOCK, storage driver $driver (log: /var/log/dwb-dockerd.log)"
    dockerd --host "unix://$DWB_ENGINE_SOCK" --data-root /var/lib/dwb-docker --exec-root /run/dwb/exec \
      --pidfile /run/dwb/docker.pid --storage-driver "$driver" >>/var/log/dwb-dockerd.log 2>&1 &
    DWB_STARTED_ENGINE_PID=$!
    if engine_answers "$DWB_STARTED_ENGINE_PID"; then return 0; fi
    stop_engine
    DWB_STARTED_ENGINE_PID=
  done
  say "the engine did not answer within 60 s; see /var/log/dwb-dockerd.log"
  return 1
}

# overlay2 where this kernel mounts overlayfs (each container then shares its image's layers; vfs copies the whole
# image, ~240 MB for Kafka, at each container's creation and each build step), vfs as the fallback that works anywhere.
storage_drivers() {
  local d
  d=$(mktemp -d)
  mkdir -p "$d/lower" "$d/upper" "$d/work" "$d/merged"
  if mount -t overlay overlay -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" "$d/merged" 2>/dev/null; then
    umount "$d/merged"
    echo overlay2 vfs
  else
    echo vfs
  fi
  rm -rf "$d"
}

# Waits up to 60 s for the engine started as pid $1 to answer with API >= 1.44; fails at once if it exits.
engine_answers() {
  local i api
  for i in $(seq 1 60); do
    api=$(engine_api "$DOCKER_HOST")
    if api_at_least_144 "$api"; then say "engine up (API $api)"; return 0; fi
    kill -0 "$1" 2>/dev/null || { say "dockerd exited; see /var/log/dwb-dockerd.log"; return 1; }
    sleep 1
  done
  return 1
}

stop_engine() {
  if [ -n "$DWB_STARTED_ENGINE_PID" ]; then
    say "stopping the engine this run started (pid $DWB_STARTED_ENGINE_PID)"
    kill "$DWB_STARTED_ENGINE_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 30); do kill -0 "$DWB_STARTED_ENGINE_PID" 2>/dev/null || break; sleep 1; done
  fi
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

ensure_busybox_image() {
  image_exists "$DWB_BUSYBOX_IMAGE" && return 0
  command -v busybox >/dev/null || { apt-get update -qq >&2; apt-get install -y -qq busybox-static >&2; }
  say "building $DWB_BUSYBOX_IMAGE from Debian's static busybox"
  local r c
  r=$(mktemp -d); mkdir -p "$r/bin"
  cp "$(command -v busybox)" "$r/bin/"
  for c in sh sleep httpd true echo cat ls; do ln -s busybox "$r/bin/$c"; done
  tar -C "$r" -c . | docker import -c 'CMD ["/bin/sh"]' - "$DWB_BUSYBOX_IMAGE" >/dev/null
  rm -rf "$r"
}

# A Kafka image is made again when the script that builds it changed since (its label differs).
kafka_image_current() {
  [ "$(docker image inspect -f '{{index .Config.Labels "dwb.kafka-image.build"}}' "$1" 2>/dev/null)" = \
    "$("$(dirname "${BASH_SOURCE[0]}")/kafka-image/build" --build-hash)" ]
}

ensure_kafka_image() {
  kafka_image_current "$DWB_KAFKA_IMAGE" && return 0
  say "building $DWB_KAFKA_IMAGE from Maven Central jars and the local JDK (about a minute)"
  "$(dirname "${BASH_SOURCE[0]}")/kafka-image/build" "$DWB_KAFKA_VERSION" "$DWB_KAFKA_IMAGE" >&2
}

# The oldest broker line tested, as a second local image.
ensure_oldest_kafka_image() {
  kafka_image_current "$DWB_KAFKA_OLDEST_IMAGE" && return 0
  say "building $DWB_KAFKA_OLDEST_IMAGE, the oldest Kafka tested (about 30 s)"
  "$(dirname "${BASH_SOURCE[0]}")/kafka-image/build" "$DWB_KAFKA_OLDEST_VERSION" "$DWB_KAFKA_OLDEST_IMAGE" >&2
}

# --- Appended for the compose deployment test (standalone/ComposeDeploymentTest) ---
DWB_JRE_IMAGE=${DWB_JRE_IMAGE:-local/jre:17}

# Docker Compose v2 (`docker compose`): Debian 12 only has the Python v1; Debian 13's Go v2 installs as is.
ensure_compose() {
  docker compose version >/dev/null 2>&1 && return 0
  say "installing Docker Compose v2 (Debian 13's docker-compose package)"
  install_from_trixie docker-compose
}

# The Java runtime image the listener and forwarder images build on, where eclipse-temurin cannot be pulled.
ensure_jre_image() {
  image_exists "$DWB_JRE_IMAGE" && return 0
  say "building $DWB_JRE_IMAGE from the local JDK (about 30 s)"
  "$(dirname "${BASH_SOURCE[0]}")/../../deploy/jre-image/build" "$DWB_JRE_IMAGE" >&2
}

# The base of the engine's allow-list proxy image (deploy/engine-proxy), where the official haproxy image cannot be
# pulled: Debian's haproxy package, installed on this machine when missing.
DWB_HAPROXY_IMAGE=${DWB_HAPROXY_IMAGE:-local/haproxy:2.6}

ensure_haproxy_image() {
  image_exists "$DWB_HAPROXY_IMAGE" && return 0
  say "building $DWB_HAPROXY_IMAGE from Debian's haproxy package"
  "$(dirname "${BASH_SOURCE[0]}")/../../deploy/engine-proxy/build-base" "$DWB_HAPROXY_IMAGE" >&2
}

# What bin/release and its test (standalone's ReleasePackagedTest) use beyond the JDK: jq (THIRD-PARTY.txt from the
# SBOM), unzip (the dependencies' licence files), dpkg-deb, and systemd-analyze (the units are verified; no systemd
# runs here).
ensure_release_tools() {
  local missing=()
  command -v jq >/dev/null || missing+=(jq)
  command -v unzip >/dev/null || missing+=(unzip)
  command -v systemd-analyze >/dev/null || missing+=(systemd)
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]} (bin/release and its test)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${missing[@]}" >&2
}
