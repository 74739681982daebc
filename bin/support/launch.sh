# Sourced by bin/listener, bin/forwarder and bin/run: `launch <module> <main class> [args...]` runs the module's
# runnable jar, building it first when it is missing or older than the sources (saying so on stderr).
# JAVA_OPTS replaces the module's JVM flags (<module>/src/main/jvm/jvm.options); JAVA selects the java binary.

DWB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Each module's JVM flags come from one file, <module>/src/main/jvm/jvm.options (java's @argument-file format: the
# images and the wodle launcher pass the same file to java as @file): the flags benchmarked are the flags shipped.
# `jvm_options <module>` prints them on one line (bin/bench uses it too).
jvm_options() {
  local file="$DWB_ROOT/$1/src/main/jvm/jvm.options"
  [ -f "$file" ] || { echo "[$1] no $file: the JVM flags of $1 are missing" >&2; return 1; }
  sed -e 's/#.*//' "$file" | tr -s ' \t\n' ' ' | sed -e 's/^ //' -e 's/ $//'
}

# glibc's malloc settings, one source for every process: deploy/malloc.env. `malloc_env` prints its NAME=VALUE
# lines; `export_malloc_env` exports each one that is not already set (bin/bench uses both).
malloc_env() {
  sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$DWB_ROOT/deploy/malloc.env"
}

export_malloc_env() {
  local setting name
  while IFS= read -r setting; do
    name=${setting%%=*}
    [ -n "${!name:-}" ] || export "${setting?}"
  done < <(malloc_env)
}

# The class-data-sharing archive of a process that has a class list (<module>/src/main/jvm/<module>.classlist, the
# classes it loads up to its first events): those classes parsed and verified once, then mapped at each start
# (issue 15: the listener's start 2.3 -> 1.5 s, the standalone's 5.6 -> 3.7 s, a third less CPU). The archive is tied
# to the jar (its path, size and time) and to the java that wrote it; a JVM that cannot use it starts without it,
# silently. `class_archive <java> <jar> <list>` writes <jar without .jar>.jsa when it is missing or older than the
# jar or the list (a few seconds, once per build) and prints the flag that uses it; nothing when there is no list
# or the archive cannot be written.
# `class_archive_dump <java> <list> <jar> <archive>`: java -Xshare:dump, quiet unless it fails, and without
# JAVA_TOOL_OPTIONS (those are for the process: a class-load log or an agent, not for writing its archive). The one
# spelling of the dump for the launchers and the standalone's installers (install-lib.sh).
class_archive_dump() {
  env -u JAVA_TOOL_OPTIONS "$1" -Xshare:dump -Xlog:disable -Xlog:all=error:stderr -XX:SharedClassListFile="$2" \
    -XX:SharedArchiveFile="$4" -cp "$3" >&2
}

class_archive() {
  local java=$1 jar=$2 list=$3 archive=${2%.jar}.jsa
  [ -f "$list" ] || return 0
  if [ ! -s "$archive" ] || [ "$jar" -nt "$archive" ] || [ "$list" -nt "$archive" ]; then
    echo "[$(basename "$jar" .jar)] writing its class archive $archive (once per build)" >&2
    # Under another name first: a process starting meanwhile never maps a half-written archive.
    if ! class_archive_dump "$java" "$list" "$jar" "$archive.$$" || ! mv -f "$archive.$$" "$archive"; then
      rm -f "$archive.$$"
      echo "[$(basename "$jar" .jar)] could not write $archive: starting without it (slower)" >&2
      return 0
    fi
  fi
  echo "-XX:SharedArchiveFile=$archive"
}

launch() {
  local module=$1 main=$2; shift 2
  local jar="$DWB_ROOT/$module/target/$module.jar"
  # src/main/jvm (the JVM flags) is read at each start, not built into the jar.
  if [ ! -f "$jar" ] || [ -n "$(find "$DWB_ROOT/$module/src/main" "$DWB_ROOT/schemas/src/main" "$DWB_ROOT/runtime/src/main" -newer "$jar" -type f ! -path "*/src/main/jvm/*" -print -quit 2>/dev/null)" ]; then
    echo "[$module] building $module/target/$module.jar (first use or changed sources; needs Maven, about a minute)..." >&2
    (cd "$DWB_ROOT" && mvn -q -B -pl "$module" -am package -DskipTests) >&2 || {
      echo "[$module] the build failed; run 'mvn -pl $module -am package' in $DWB_ROOT to see why" >&2; return 1; }
  fi
  export_malloc_env
  local opts=${JAVA_OPTS:-} archive
  if [ -z "$opts" ]; then
    opts=$(jvm_options "$module") || return 1
  fi
  # Before the flags: a -XX:SharedArchiveFile or -Xshare:off of JAVA_OPTS comes later and wins. One word, quoted: a
  # checkout's path may have a space.
  archive=$(class_archive "${JAVA:-java}" "$jar" "$DWB_ROOT/$module/src/main/jvm/$module.classlist")
  # shellcheck disable=SC2086
  exec "${JAVA:-java}" ${archive:+"$archive"} $opts -cp "$jar" "$main" "$@"
}
