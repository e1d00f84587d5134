#!/usr/bin/env bash
# The fault-injection suite, long: two regions of Kinko node processes (tokyo -> osaka, 3 nodes each),
# writers and readers through the Java client, and faults for SECONDS (default 600); then the checks.
# Prints the summary and keeps the history, summary and node logs in ops/robustness/results/<time>/.
#   ops/robustness/run.sh [SECONDS]
# Needs root for network namespaces and tmpfs (else those faults are skipped, loudly) and
# gcc for the clock jump (the suite builds its wall-clock shim). MVN_FLAGS (e.g. -o) goes to the build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
seconds="${1:-600}"
mvn_flags=(-B -q ${MVN_FLAGS:-})
jar="$root/cli/target/kinko.jar"
if [[ ! -f "$jar" ]]; then
  echo "robustness: building $jar (a few minutes) ..." >&2
  mvn "${mvn_flags[@]}" -DskipTests package -pl cli -am >&2
fi
# package only, never install: the suite runs with the reactor's class path (this checkout's jars)
mvn "${mvn_flags[@]}" -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/robustness.classpath \
  -pl ops/robustness -am >&2
results="$root/ops/robustness/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$results"

# The suite stops its nodes and removes its namespaces itself; this catches a run that was killed outright.
jpid=""
cleanup() {
  if [[ -n "$jpid" ]]; then
    for ns in $(ip netns list 2>/dev/null | awk -v p="krb$jpid-" 'index($1, p) == 1 {print $1}'); do ip netns del "$ns" || true; done
    ip link del "krb${jpid}br" 2>/dev/null || true
  fi
  [[ -f "$results/cluster/node.pids" ]] || return 0
  while read -r pid node; do
    if [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "server --config .*/$node.yaml"; then
      kill -CONT "$pid" 2>/dev/null || true
      kill -9 "$pid" 2>/dev/null || true
    fi
  done < "$results/cluster/node.pids"
  grep -o " [^ ]*/cluster/tokyo/tokyo-[0-9]* " /proc/mounts 2>/dev/null | grep -F "$results" | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
}
trap cleanup EXIT

echo "robustness: faults for $seconds s, results in $results" >&2
java -XX:TieredStopAtLevel=1 -Xmx2g -Dkinko.jar="$jar" \
  -Dlogback.configurationFile="$root/ops/bench/src/main/resources/logback.xml" \
  -cp "$root/ops/robustness/target/classes:$(cat "$root/ops/robustness/target/robustness.classpath")" \
  dev.kinko.robustness.RobustnessRun "$seconds" "$results" &
jpid=$!
wait "$jpid"
