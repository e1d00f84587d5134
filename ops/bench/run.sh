#!/usr/bin/env bash
# Kinko against etcd on this machine, in one run (issue 13): installs etcd when it is missing,
# builds Kinko, starts a 3-member etcd and a 3-node Kinko region (TLS, tokens, policies and audit
# on) as separate processes on loopback, runs the same workloads against both in alternating
# order, stops everything, and writes a Markdown report to ops/bench/results/ and prints it.
#   ops/bench/run.sh [rounds] [warm-up-seconds] [measured-seconds]   (defaults: 2 3 10; about 9 minutes)
# JFR on the Kinko nodes: KINKO_NODE_JFR=1 (recordings land in the run's logs directory).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
if ! [ -x /usr/bin/etcd ] || ! [ -x /usr/bin/etcdctl ]; then
  echo "installing the peer (Debian's etcd-server, etcd-client) ..." >&2
  sudo=""
  if [[ $(id -u) != 0 ]]; then sudo="sudo"; fi
  ($sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq etcd-server etcd-client) >&2
fi
# the Debian package enables a system etcd on the default ports; the bench uses its own on free ports
mvn -B -q -DskipTests install -pl cli,ops/bench -am >&2
exec mvn -B -q -pl ops/bench exec:exec \
  -Dexec.args="-XX:TieredStopAtLevel=1 -Xmx1g -Dlogback.configurationFile=$root/ops/bench/src/main/resources/logback.xml -classpath %classpath dev.kinko.bench.SideBySideBench $root/cli/target/kinko.jar $root/ops/bench/results $*"
