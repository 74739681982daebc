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
  local opts=${JAVA_OPTS:-}
  if [ -z "$opts" ]; then
    opts=$(jvm_options "$module") || return 1
  fi
  # shellcheck disable=SC2086
  exec "${JAVA:-java}" $opts -cp "$jar" "$main" "$@"
}
