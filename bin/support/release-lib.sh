# Sourced by bin/release: the steps that turn a process's runnable jar (<process>/target/<process>.jar, its SBOM
# target/bom.json and its JVM flags src/main/jvm/jvm.options) into a tarball, a Debian package and an image.
# Expects ROOT, VERSION and DEB_VERSION set. The templates are in deploy/release/.

TEMPLATES=$ROOT/deploy/release
# Modules the jars reach only by reflection or at run time, beyond what jdeps sees: TLS to Kafka with EC keys
# (jdk.crypto.ec), JVM metrics through com.sun.management (jdk.management), Kafka's SASL/GSSAPI login
# (jdk.security.auth), DNS through JNDI for Kafka's and the engine's host names (jdk.naming.dns), sun.misc.Unsafe
# (jdk.unsupported), character sets beyond the standard ones (jdk.charsets), jar/zip file systems (jdk.zipfs).
RUNTIME_EXTRA_MODULES=jdk.crypto.ec,jdk.management,jdk.security.auth,jdk.naming.dns,jdk.unsupported,jdk.charsets,jdk.zipfs

step() { echo "[release] $*" >&2; }
fail() { echo "[release] error: $*" >&2; exit 1; }

# The version a runnable jar reports (its manifest's Implementation-Version, what --version prints).
jar_version() {
  [ -f "$1" ] || fail "no $1: build it (leave out --no-build)"
  unzip -p "$1" META-INF/MANIFEST.MF | sed -n 's/^Implementation-Version: *//p' | tr -d '\r'
}

# The SBOM $1 as the release ships it: the project's own components carry the release's version (bin/release
# --version), which Maven's SBOM, made from the pom's version, does not (deploy/release/sbom.jq says what changes).
release_sbom() {
  jq --arg version "$2" -f "$TEMPLATES/sbom.jq" "$1" || fail "could not rewrite the SBOM $1 for version $2"
}

# What differs between the processes: sets DESCRIPTION, AFTER (units), NEEDED_GROUPS (its user's supplementary
# groups; GROUPS is bash's own), GROUP_REASON, EXTRA (unit lines), KEPT (what removing leaves) and DEFAULTS (the
# /etc/default file's options).
describe() {
  EXTRA= KEPT='nothing else (it keeps no files)'
  case $1 in
    listener)
      DESCRIPTION='Docker engine events into Kafka, exactly once'
      AFTER='docker.service'
      NEEDED_GROUPS=docker GROUP_REASON="the engine's socket /var/run/docker.sock is root:docker"
      DEFAULTS=$(cat <<'EOF'
# DWB_BOOTSTRAP_SERVERS=kafka-1:9092,kafka-2:9092
# DWB_KAFKA_CONFIG=/etc/docker-wazuh-bridge/listener-kafka.properties
# DWB_DOCKER_HOST=unix:///var/run/docker.sock
# DWB_METRICS_PORT=9464
EOF
);;
    forwarder)
      DESCRIPTION='Kafka records into the Wazuh queue socket, paced, at least once'
      AFTER='wazuh-agent.service wazuh-manager.service'
      NEEDED_GROUPS=wazuh GROUP_REASON="Wazuh's queue socket /var/ossec/queue/sockets/queue is wazuh:wazuh, mode 0660"
      DEFAULTS=$(cat <<'EOF'
# DWB_BOOTSTRAP_SERVERS=kafka-1:9092,kafka-2:9092
# DWB_KAFKA_CONFIG=/etc/docker-wazuh-bridge/forwarder-kafka.properties
# DWB_WAZUH_QUEUE=/var/ossec/queue/sockets/queue
# DWB_EPS=auto
# DWB_METRICS_PORT=9465
EOF
);;
    standalone)
      DESCRIPTION='embedded Kafka broker, listener and forwarder beside the Wazuh agent'
      AFTER='docker.service wazuh-agent.service wazuh-manager.service'
      NEEDED_GROUPS='docker wazuh'
      GROUP_REASON="docker: the engine's socket; wazuh: the agent's queue socket"
      # The embedded broker's data: a directory systemd creates for the service's user alone, the only one it writes.
      EXTRA=$'StateDirectory=dwb-standalone\nStateDirectoryMode=0700\nEnvironment=DWB_DATA_DIR=/var/lib/dwb-standalone DWB_WAZUH_HOME=/var/ossec\n'
      KEPT='the data in /var/lib/dwb-standalone'
      DEFAULTS=$(cat <<'EOF'
# DWB_WAZUH_QUEUE=/var/ossec/queue/sockets/queue
# DWB_WAZUH_HOME=/var/ossec
# DWB_KAFKA_PORT=9092
# DWB_EPS=auto
# DWB_METRICS_PORT=9464
EOF
);;
  esac
}

# The launcher's lines that set glibc's malloc settings unless already set: those of deploy/malloc.env, their one
# source, as bin/support/launch.sh's malloc_env prints them.
malloc_exports() {
  local setting
  env -i bash -c '. "$1" >/dev/null 2>&1 && malloc_env' _ "$ROOT/bin/support/launch.sh" |
    while IFS= read -r setting; do
      printf '%s=${%s:-%s}\nexport %s\n' "${setting%%=*}" "${setting%%=*}" "${setting#*=}" "${setting%%=*}"
    done
}

# Fills a template of deploy/release/ for a process.
fill() {
  local process=$1 template=$2
  describe "$process"
  T_PROCESS=$process T_PACKAGE=docker-wazuh-bridge-$process T_UNIT_NAME=dwb-$process T_UNIT=dwb-$process.service \
    T_USER=dwb-$process T_DESCRIPTION=$DESCRIPTION T_AFTER=$AFTER T_GROUPS=$NEEDED_GROUPS \
    T_GROUP_REASON=$GROUP_REASON T_EXTRA=$EXTRA T_KEPT=$KEPT T_MALLOC=$(malloc_exports) \
    perl -pe 's/\@([A-Z_]+)\@/exists $ENV{"T_$1"} ? $ENV{"T_$1"} : die "deploy\/release: unknown \@$1\@\n"/ge' \
    "$TEMPLATES/$template" || fail "could not fill deploy/release/$template"
}

# The modules the jars need (jdeps), and those they load at run time only (RUNTIME_EXTRA_MODULES).
runtime_modules() {
  local jar found all=$RUNTIME_EXTRA_MODULES
  for jar in "$@"; do
    found=$(jdeps --multi-release 17 --ignore-missing-deps --print-module-deps "$jar") || fail "jdeps could not read $jar"
    all=$all,$found
  done
  echo "$all" | tr , '\n' | sort -u | paste -sd, -
}

# One Java runtime for the processes released together, with the modules any of them needs (the standalone's are
# nearly all of them): one jlink instead of three, a few hundred kB more for the listener and the forwarder.
build_runtime() {
  local dest=$1 modules; shift
  modules=$(runtime_modules "$@")
  step "jlink $modules"
  jlink --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 \
    --output "$dest" >&2 || fail "jlink failed (a JDK 17 with jmods is needed)"
}

# The process's files as both the tarball and the package hold them:
#   bin/<process>  lib/<process>.jar  lib/jvm.options  [lib/<process>.classlist]  runtime/  LICENSE  README.md
#   THIRD-PARTY.txt  bom.json  licenses/  [wazuh/docker-wazuh-bridge_rules.xml]
stage_process() {
  local process=$1 dir=$2 runtime=$3 jar=$ROOT/$1/target/$1.jar bom=$ROOT/$1/target/bom.json
  [ -f "$bom" ] || fail "no $bom (the SBOM, made by 'mvn package'): build again (leave out --no-build)"
  [ "$(jar_version "$jar")" = "$VERSION" ] || fail "$jar is not version $VERSION: build all of them again"
  step "$process: staging $VERSION"
  mkdir -p "$dir/bin" "$dir/lib"
  cp "$jar" "$dir/lib/$process.jar"
  cp "$ROOT/$process/src/main/jvm/jvm.options" "$dir/lib/jvm.options"
  # The class list of a process that has one (the listener's, the standalone's): the package's postinst, or the
  # user, writes the class archive from it on the host (bin/<process> --write-class-archive; it is tied to the
  # host's path of the jar).
  [ ! -f "$ROOT/$process/src/main/jvm/$process.classlist" ] ||
    cp "$ROOT/$process/src/main/jvm/$process.classlist" "$dir/lib/$process.classlist"
  # The Wazuh rules of the alerts a process that delivers them sends (the forwarder's, the standalone's), of this
  # very release: the manager needs them before a newer forwarder's alerts reach it (docs/wazuh.md).
  if [ "$process" != listener ]; then
    mkdir -p "$dir/wazuh"
    cp "$ROOT/forwarder/src/main/wazuh/docker-wazuh-bridge_rules.xml" "$dir/wazuh/"
  fi
  fill "$process" launcher >"$dir/bin/$process"
  chmod 0755 "$dir/bin/$process"
  cp "$ROOT/LICENSE" "$ROOT/README.md" "$dir/"
  release_sbom "$bom" "$VERSION" >"$dir/bom.json"
  third_party "$process" "$bom" >"$dir/THIRD-PARTY.txt"
  licence_files "$bom" "$dir/licenses"
  cp -a "$runtime" "$dir/runtime"
  # Whatever modes a jar's entries carried (licence files unzipped as rw-rw-r--): writable by the owner only.
  chmod -R go-w "$dir"
}

# THIRD-PARTY.txt: every component the jar holds, with its licences and where their texts are, from the SBOM (the
# one source of both).
third_party() {
  echo "docker-wazuh-bridge $1 $VERSION (Apache-2.0, LICENSE) includes these components, from its SBOM bom.json."
  echo "The licence and notice files their jars ship are in licenses/<group>/<artifact>/ (NOTICE files also merged"
  echo "in the jar's META-INF/NOTICE); the licence texts are at the addresses given."
  echo
  jq -r '.components[] | select(.group != "io.dwb")
    | "\(.group):\(.name):\(.version)\t\([.licenses[]? | .license.id // .license.name // .expression] | if length == 0 then "(no licence declared in its pom: see licenses/)" else join(" OR ") end)\t\([.licenses[]? | .license.url // (.license.id | if . then "https://spdx.org/licenses/\(.).html" else empty end)] | join(" "))"' \
    "$2" | sort | awk -F '\t' '{ printf "%-70s %-30s %s\n", $1, $2, $3 }' | sed 's/ *$//'
}

# Each dependency's own licence and notice files (META-INF/LICENSE*, NOTICE*, and the same at the jar's root), out
# of the jars Maven resolved, as licenses/<group>/<artifact>/.
licence_files() {
  local bom=$1 dest=$2 repo=${MAVEN_REPO_LOCAL:-$HOME/.m2/repository} purl group artifact version classifier jar
  while read -r purl; do
    # pkg:maven/<group>/<artifact>@<version>?[classifier=...&]type=jar
    group=${purl#pkg:maven/}; group=${group%%/*}
    artifact=${purl#pkg:maven/*/}; artifact=${artifact%%@*}
    version=${purl#*@}; version=${version%%\?*}
    classifier=$(sed -n 's/.*[?&]classifier=\([^&]*\).*/\1/p' <<<"$purl")
    jar=$repo/${group//.//}/$artifact/$version/$artifact-$version${classifier:+-$classifier}.jar
    [ "$group" = io.dwb ] && continue
    [ -f "$jar" ] || fail "no $jar (from the SBOM): build again (leave out --no-build), or set MAVEN_REPO_LOCAL"
    mkdir -p "$dest/$group/$artifact"
    unzip -q -o -j "$jar" 'META-INF/LICENSE*' 'META-INF/NOTICE*' 'META-INF/license*' 'META-INF/notice*' \
      'LICENSE*' 'NOTICE*' -d "$dest/$group/$artifact" 2>/dev/null || true
    rmdir "$dest/$group/$artifact" "$dest/$group" 2>/dev/null || true
  done < <(jq -r '.components[] | select(.type == "library") | .purl | select(test("[?&]type=jar"))' "$bom")
}

tarball() {
  local process=$1 dir=$2 out=$3 name=docker-wazuh-bridge-$1-$VERSION
  step "$process: $name-linux-amd64.tar.gz"
  # gzip -1: the jar and the runtime's modules are compressed already; a higher level takes far longer for ~1 %.
  tar --owner=0 --group=0 --transform "s,^\.,$name," -C "$dir" -c . | gzip -1 >"$out/$name-linux-amd64.tar.gz"
}

# The Debian packages the jlinked runtime's shared libraries come from (dpkg -S on this build host).
library_packages() {
  find "$1" -name '*.so' -o -path '*/bin/java' | xargs ldd 2>/dev/null | grep -oE '=> /[^ ]+' | cut -c4- |
    grep -v "^$1" | sort -u | { xargs -r dpkg -S 2>/dev/null || true; } | cut -d: -f1 | sort -u | paste -sd, - | sed 's/,/, /g'
}

debian_package() {
  local process=$1 dir=$2 root=$3 out=$4 package=docker-wazuh-bridge-$1 unit=dwb-$1
  local deb=$out/${package}_${DEB_VERSION}_amd64.deb
  step "$process: $(basename "$deb")"
  mkdir -p "$root/DEBIAN" "$root/opt/docker-wazuh-bridge" "$root/lib/systemd/system" "$root/etc/default" \
    "$root/usr/share/doc/$package"
  cp -a "$dir" "$root/opt/docker-wazuh-bridge/$process"
  fill "$process" dwb.service >"$root/lib/systemd/system/$unit.service"
  describe "$process"
  {
    echo "# Options of $unit.service (docker-wazuh-bridge $process): DWB_<OPTION>=value, one a line, as in README.md's"
    echo "# configuration reference (/opt/docker-wazuh-bridge/$process/bin/$process --help lists them). Then:"
    echo "#   systemctl restart $unit"
    echo "# JAVA_OPTS=... replaces the JVM flags of /opt/docker-wazuh-bridge/$process/lib/jvm.options."
    echo "$DEFAULTS"
  } >"$root/etc/default/$unit"
  echo "/etc/default/$unit" >"$root/DEBIAN/conffiles"
  {
    echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
    echo "Upstream-Name: docker-wazuh-bridge"
    echo
    echo "Files: *"
    echo "License: Apache-2.0"
    echo "Comment: the full text is /opt/docker-wazuh-bridge/$process/LICENSE; the bundled components and their"
    echo " licences: /opt/docker-wazuh-bridge/$process/THIRD-PARTY.txt and licenses/; the SBOM: bom.json."
  } >"$root/usr/share/doc/$package/copyright"
  for script in postinst prerm postrm; do
    fill "$process" "debian/$script" >"$root/DEBIAN/$script"
    chmod 0755 "$root/DEBIAN/$script"
  done
  local depends
  depends=$(library_packages "$root/opt/docker-wazuh-bridge/$process/runtime")
  cat >"$root/DEBIAN/control" <<EOF
Package: $package
Version: $DEB_VERSION
Architecture: amd64
Maintainer: docker-wazuh-bridge <root@localhost>
Section: admin
Priority: optional
Depends: ${depends:+$depends, }passwd
Installed-Size: $(du -sk "$root" | cut -f1)
Description: docker-wazuh-bridge $process: $DESCRIPTION
 Docker engine activity as Wazuh security alerts, through Kafka, without losing
 events. This package holds the $process with its own Java runtime (no JDK needed)
 under /opt/docker-wazuh-bridge/$process, and the systemd unit $unit.service,
 run as the system user $unit; options in /etc/default/$unit.
EOF
  dpkg-deb --root-owner-group -Zgzip -z1 --build "$root" "$deb" >/dev/null || fail "dpkg-deb could not build $deb"
}

# The process's image from deploy/<process>.Dockerfile, on the release's jar and JVM flags; it must not run as root.
image() {
  local process=$1 dir=$2 context tag=docker-wazuh-bridge/$1:$VERSION user
  command -v docker >/dev/null || fail "--images needs docker (and DOCKER_HOST where the engine is)"
  context=$(mktemp -d)
  cp "$dir/lib/$process.jar" "$dir/lib/jvm.options" "$context/"
  [ ! -f "$dir/lib/$process.classlist" ] || cp "$dir/lib/$process.classlist" "$context/"
  step "$process: image $tag${BASE_IMAGE:+ on $BASE_IMAGE}"
  docker build -q -f "$ROOT/deploy/$process.Dockerfile" ${BASE_IMAGE:+--build-arg "BASE_IMAGE=$BASE_IMAGE"} \
    -t "$tag" "$context" >/dev/null || fail "docker build of $tag failed"
  rm -rf "$context"
  user=$(docker image inspect -f '{{.Config.User}}' "$tag")
  case ${user%%:*} in
    '' | 0 | root) fail "$tag runs as root (USER '$user'): deploy/$process.Dockerfile must set a user" ;;
  esac
  step "$process: $tag runs as $user"
}
