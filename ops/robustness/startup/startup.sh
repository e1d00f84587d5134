#!/usr/bin/env bash
# Where a node's start-up time goes (issue 10): a 3-node region of real processes (TLS, PKI, the
# production node JVM flags), then ROUNDS times: a follower kill -9 + start -> first write through
# it and -> caught up; the whole region kill -9 + start -> first acknowledged write. Prints each
# round, the phases from the nodes' logs and the medians. See README.md here for figures.
#   ops/robustness/startup/startup.sh [ROUNDS] [kinko.jar]
# Environment: NODE_JVM_FLAGS (default: LocalRegion.NODE_JVM_FLAGS, the systemd unit's flags),
#   WORK (node data and logs; default a fresh directory under $TMPDIR, deleted unless KEEP=1),
#   MVN_FLAGS (e.g. -o).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
rounds="${1:-3}"
jar="${2:-$root/cli/target/kinko.jar}"
# package only, never install
if [[ "$jar" == "$root/cli/target/kinko.jar" ]]; then modules="cli,ops/bench"; else modules="ops/bench"; fi
mvn -B -q ${MVN_FLAGS:-} -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/bench.classpath \
  -pl "$modules" -am >&2
work="${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/kinko-startup.XXXXXX")}"
cleanup() {
  if [[ -f "$work/node.pids" ]]; then
    while read -r pid node; do
      if [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "server --config .*/$node.yaml"; then
        kill -9 "$pid" 2>/dev/null || true
      fi
    done < "$work/node.pids"
  fi
  [[ "${KEEP:-0}" == 1 ]] || rm -rf "$work"
}
trap cleanup EXIT
java -XX:TieredStopAtLevel=1 -Xmx512m \
  -Dlogback.configurationFile="$root/ops/bench/src/main/resources/logback.xml" \
  -cp "$root/ops/bench/target/classes:$(cat "$root/ops/bench/target/bench.classpath")" \
  dev.kinko.bench.StartupBench "$(readlink -f "$jar")" "$work" "$rounds"
