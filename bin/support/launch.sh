# Sourced by bin/listener, bin/forwarder and bin/run: `launch <module> <main class> [args...]` runs the module's
# runnable jar, building it first when it is missing or older than the sources (saying so on stderr).
# JAVA_OPTS replaces the module's default JVM flags (DWB_<MODULE>_JAVA_OPTS below); JAVA selects the java binary.

DWB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Small heap and the serial collector: the processes hold little (a bounded queue of event bytes, one batch), and a
# fleet runs one listener per host, so resident memory matters more than pause times.
DWB_COMMON_JAVA_OPTS="-XX:+UseSerialGC -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=32m -Xss512k -XX:+ExitOnOutOfMemoryError"
# The listener mostly waits on the engine and Kafka: C1 alone (TieredStopAtLevel=1) spares the C2 compiler's ~40 MB
# of resident memory at no measurable cost to its throughput, and tight free ratios give back what a burst took.
DWB_LISTENER_JAVA_OPTS="$DWB_COMMON_JAVA_OPTS -Xms16m -Xmx64m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:TieredStopAtLevel=1"
# The forwarder's per-record work (parse, format, send) is where its throughput goes: it keeps C2, and a fixed heap
# with a 40 MB young generation, where fetched records die young; grown from 16 MB the heap stayed ~35 MB and ran a
# full collection every ~200 ms under load (20 % of the time). 72 MB rather than 96: a fixed heap is all resident
# under load, and 96 MB took the peak RSS to 195 MB of the 200 budgeted (docs/benchmarks.md).
DWB_FORWARDER_JAVA_OPTS="$DWB_COMMON_JAVA_OPTS -Xms72m -Xmx72m -Xmn40m"

launch() {
  local module=$1 main=$2; shift 2
  local jar="$DWB_ROOT/$module/target/$module.jar"
  if [ ! -f "$jar" ] || [ -n "$(find "$DWB_ROOT/$module/src/main" "$DWB_ROOT/schemas/src/main" "$DWB_ROOT/runtime/src/main" -newer "$jar" -type f -print -quit 2>/dev/null)" ]; then
    echo "[$module] building $module/target/$module.jar (first use or changed sources; needs Maven, about a minute)..." >&2
    (cd "$DWB_ROOT" && mvn -q -B -pl "$module" -am package -DskipTests) >&2 || {
      echo "[$module] the build failed; run 'mvn -pl $module -am package' in $DWB_ROOT to see why" >&2; return 1; }
  fi
  # Fewer glibc malloc arenas: a small JVM's native allocations (threads, Kafka client, zstd/snappy) otherwise
  # spread over up to 8 per core arenas of 64 MB address space each, inflating resident memory.
  export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
  # shellcheck disable=SC2086
  local defaults="DWB_${module^^}_JAVA_OPTS"
  exec "${JAVA:-java}" ${JAVA_OPTS:-${!defaults}} -cp "$jar" "$main" "$@"
}
