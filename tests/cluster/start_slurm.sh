#!/usr/bin/env bash
# Install (Debian's slurm-wlm and munge) and start a one-node SLURM cluster on this machine,
# as root and without systemd, for the cluster test. Prints the state directory on its last
# line; everything the cluster writes (config, spool, logs, pid files) lives there.
#   STATE=$(tests/cluster/start_slurm.sh | tail -n1); export SLURM_CONF=$STATE/slurm.conf
#   ... sbatch / snakemake --profile profiles/slurm ...
#   tests/cluster/stop_slurm.sh "$STATE"
# Job status: squeue (no slurmdbd): slurm.conf keeps finished jobs visible for MinJobAge=3600 s,
# well above 3x the plugin's first status delay, so the executor never falls back to sacct, and
# long enough for the test to read every job's resources back with `scontrol show job`.
set -euo pipefail

[ "$(id -u)" = 0 ] || { echo "start_slurm.sh: needs root (apt-get, daemons)" >&2; exit 3; }
command -v apt-get >/dev/null || { echo "start_slurm.sh: needs apt-get (Debian)" >&2; exit 3; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq slurm-wlm munge >/dev/null 2>&1 || apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
fi

STATE=$(mktemp -d /tmp/nasdqn-slurm.XXXXXX)
chmod 755 "$STATE"
mkdir -p "$STATE/ctld" "$STATE/d"
HOST=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)

cat > "$STATE/slurm.conf" <<CONF
ClusterName=nasdqn
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
MinJobAge=3600
KillWait=10
DefMemPerCPU=1000
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF

# munge: its run directory must belong to the munge user, and munged runs as that user.
mkdir -p /run/munge
chown munge:munge /run/munge
chmod 755 /run/munge
if ! pgrep -x munged >/dev/null; then
    runuser -u munge -- /usr/sbin/munged
    pgrep -x munged > "$STATE/munged.pid"
fi

# Job steps (srun inside a batch job) look for /etc/slurm/slurm.conf, not $SLURM_CONF: link it
# there unless a real configuration already exists (stop_slurm.sh removes only its own link).
mkdir -p /etc/slurm
if [ ! -e /etc/slurm/slurm.conf ] || [ -L /etc/slurm/slurm.conf ]; then
    ln -sfn "$STATE/slurm.conf" /etc/slurm/slurm.conf
    echo /etc/slurm/slurm.conf > "$STATE/etc_link"
fi

slurmctld -f "$STATE/slurm.conf"
slurmd -f "$STATE/slurm.conf"

export SLURM_CONF=$STATE/slurm.conf
for _ in $(seq 1 120); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then
        echo "$STATE"
        exit 0
    fi
    sleep 0.5
done
echo "start_slurm.sh: the node did not become idle in 60 s; logs in $STATE" >&2
sinfo >&2 || true
exit 1
