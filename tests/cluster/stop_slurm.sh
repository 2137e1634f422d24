#!/usr/bin/env bash
# Stop the daemons that start_slurm.sh started, by the process ids it recorded, and remove
# its state directory. Usage: tests/cluster/stop_slurm.sh STATE_DIR
set -u
STATE=${1:?usage: stop_slurm.sh STATE_DIR}
for name in slurmd slurmctld munged; do
    pidfile="$STATE/$name.pid"
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
done
if [ -f "$STATE/etc_link" ] && [ "$(readlink "$(cat "$STATE/etc_link")")" = "$STATE/slurm.conf" ]; then
    rm -f "$(cat "$STATE/etc_link")"
fi
rm -rf "$STATE"
