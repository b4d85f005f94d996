// A trainee's running Redis, reached over the Kubernetes API: a snapshot of its data (an RDB,
// as `redis-cli --rdb` takes one while Redis runs), and a snapshot put back into it.
//
// Putting one back: Redis runs with `appendonly yes`, and loads its append-only file at start,
// ignoring any RDB beside it; so a file dropped into /data would never be read. Instead, a
// second redis-server in the same container loads the snapshot on 127.0.0.1:6380 (refusing a
// bad file before the trainee's Redis is touched), and the trainee's Redis replicates from it:
// it takes the data in place, the app sees it at once, and Redis rewrites its append-only file
// from it. Until that rewrite ends, a crash brings back the old append-only file: the data
// from before, never an empty Redis. The password, with redisAuth, never leaves the pod:
// redis-cli there reads it from the container's REDISCLI_AUTH.
import * as k8s from "@kubernetes/client-node";
import type { MonsterstackConfig } from "../../config";
import { quantityBytes } from "../../core/quantities";
import { labelSelector, loadKubeConfig } from "../../clusterReads/kubeconfig";
import { readClaim } from "../../clusterReads/volumes";
import { DATA_CLAIM_NAME } from "../../components/dataClaim";
import { DATA_MOUNT_PATH, redisIdentity } from "../../components/redis";
import { selectorLabels } from "../../core/labels";
import { execIn, ExecResult, PodRef } from "../../clusterReads/podExec";

const STAGING_DIR = `${DATA_MOUNT_PATH}/.restore`;
const STAGING_PORT = 6380;

export class RedisDataError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "RedisDataError";
    }
}

/** The trainee's Redis pod, as the data commands reach it. */
export interface RedisPod extends PodRef {
    /** The volume its data claim is bound to. */
    volume: string | null;
    /** The Redis container's memory limit, in bytes; undefined when it has none. */
    memoryLimit: number | undefined;
}

/** The trainee's Redis pod, Running and Ready; a clear error when the stack is not up. */
export async function redisPod(config: Pick<MonsterstackConfig, "namespace" | "kubeconfig" | "kubeContext">): Promise<RedisPod> {
    const kc = loadKubeConfig(config);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const selector = labelSelector(selectorLabels(redisIdentity(config.namespace)));
    const pods = await core.listNamespacedPod({ namespace: config.namespace, labelSelector: selector });
    const ready = pods.items.find((p) => !p.metadata?.deletionTimestamp && p.status?.phase === "Running" &&
        p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    if (!ready) {
        throw new RedisDataError(`not up: no running, ready Redis pod in namespace ${config.namespace}` +
            (pods.items.length > 0 ? ` (${pods.items.map((p) => `${p.metadata?.name} ${p.status?.phase}`).join(", ")})` : "") + "; `npm run class -- up` first");
    }
    const claim = await readClaim(config, DATA_CLAIM_NAME, "The class tool reads it to name the volume it backs up");
    const limit = ready.spec!.containers.find((c) => c.name === "redis")?.resources?.limits?.memory;
    return {
        kc, namespace: config.namespace, pod: ready.metadata!.name!, container: "redis", volume: claim?.volumeName ?? null,
        memoryLimit: limit === undefined ? undefined : quantityBytes(String(limit)),
    };
}

const MiB = 2 ** 20;
/**
 * How much memory Redis needs per byte of RDB once loaded: an RDB packs strings (LZF) and
 * small collections; measured about 2.5× for the visit counters and the bench's keys
 * (docs/backups.md), and taken with a margin.
 */
export const RDB_EXPANSION = 4;
/** Two redis-server processes' own memory and the append-only rewrite's fork. */
const RESTORE_OVERHEAD = 32 * MiB;

/**
 * The memory a restore peaks at, in the Redis container: the staging server holds the
 * snapshot's data while Redis holds either its current data or, once synced, the same data.
 */
export function restorePeakBytes(usedNow: number, rdbBytes: number): number {
    const incoming = RDB_EXPANSION * rdbBytes;
    return Math.max(usedNow, incoming) + incoming + RESTORE_OVERHEAD;
}

/** Why a snapshot of `rdbBytes` cannot be restored into a container of `limit` bytes, or undefined. */
export function restoreFit(rdbBytes: number, usedNow: number, limit: number | undefined): string | undefined {
    if (limit === undefined) return undefined;
    const peak = restorePeakBytes(usedNow, rdbBytes);
    if (peak <= limit) return undefined;
    const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
    const advice = Math.ceil(peak / (128 * MiB)) * 128;
    return `the snapshot is ${mib(rdbBytes)}; restoring it needs about ${mib(peak)} in the Redis container (a second redis-server holds its data beside Redis' own ` +
        `until Redis has taken it), and the container's memory limit is ${mib(limit)}: it would be killed half-way. ` +
        `Raise monsterstack:redisMemory (to ${advice >= 1024 ? `${advice / 1024}Gi` : `${advice}Mi`} or more; \`npm run class -- up --config redisMemory=…\`), then restore again`;
}

/** restoreFit against the live pod: its memory limit, and what Redis uses now. */
export async function restoreFitProblem(pod: RedisPod, rdbBytes: number): Promise<string | undefined> {
    if (pod.memoryLimit === undefined) return undefined;
    return restoreFit(rdbBytes, Number((await info(pod, "memory")).used_memory ?? 0), pod.memoryLimit);
}

function check(result: ExecResult, what: string): string {
    if (result.code !== 0) throw new RedisDataError(`${what} failed (exit ${result.code ?? "unknown"}): ${(result.stderr || result.stdout.toString()).trim().split("\n").slice(-3).join(" ")}`);
    return result.stdout.toString().trim();
}

async function cli(pod: PodRef, what: string, ...args: string[]): Promise<string> {
    return check(await execIn(pod, ["redis-cli", ...args], { timeoutMs: 30_000 }), what);
}

/** `INFO <section>` as a map. */
async function info(pod: PodRef, section: string): Promise<Record<string, string>> {
    const text = await cli(pod, `INFO ${section}`, "info", section);
    return Object.fromEntries(text.split(/\r?\n/).filter((l) => l.includes(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]));
}

async function until(what: string, seconds: number, test: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    while (!(await test())) {
        if (Date.now() > deadline) throw new RedisDataError(`${what}: not done after ${seconds} s`);
        await new Promise((r) => setTimeout(r, 200));
    }
}

/**
 * A restore killed half-way (SIGKILL, a lost connection) leaves the trainee's Redis replicating
 * from the staging server, read-only for the app: it is set free (with whichever whole data
 * set it holds), and the staging server goes. Done before every backup and restore.
 */
export async function recoverInterrupted(pod: PodRef): Promise<void> {
    const replication = await info(pod, "replication");
    if (replication.role === "slave" && replication.master_host === "127.0.0.1" && replication.master_port === String(STAGING_PORT)) {
        await cli(pod, "REPLICAOF NO ONE", "replicaof", "no", "one");
    }
    await execIn(pod, ["sh", "-c", CLEANUP_SCRIPT], { timeoutMs: 30_000 });
}

export async function keyCount(pod: PodRef): Promise<number> {
    return Number(await cli(pod, "DBSIZE", "dbsize"));
}

/** A consistent snapshot of the whole data set, taken while Redis runs. */
export async function snapshot(pod: PodRef): Promise<{ data: Buffer; keys: number }> {
    await recoverInterrupted(pod);
    const keys = await keyCount(pod);
    const result = await execIn(pod, ["redis-cli", "--rdb", "-"], { timeoutMs: 300_000 });
    check(result, "redis-cli --rdb -");
    if (result.stdout.subarray(0, 5).toString() !== "REDIS") throw new RedisDataError("redis-cli --rdb - gave no RDB");
    return { data: result.stdout, keys };
}

// The staging server: the snapshot's only reader before the trainee's Redis takes it. Without
// REDISCLI_AUTH, which it has no use for (it listens on loopback only). Every redis-cli call
// is bounded: a crafted file can keep redis-server busy loading, deaf to its clients.
const STAGING_LOAD_SECONDS = 20;
const STAGING_SCRIPT = `
set -u
dir=${STAGING_DIR}
staging() { env -u REDISCLI_AUTH timeout 2 redis-cli -p ${STAGING_PORT} "$@"; }
redis-server --port ${STAGING_PORT} --bind 127.0.0.1 --dir "$dir" --dbfilename dump.rdb --appendonly no --save "" \\
  --repl-diskless-sync-delay 0 --daemonize yes --pidfile "$dir/server.pid" --logfile "$dir/server.log" || exit 3
end=$(( $(date +%s) + ${STAGING_LOAD_SECONDS} ))
while [ "$(date +%s)" -lt "$end" ]; do
  if [ "$(staging ping 2>/dev/null)" = PONG ] && staging info persistence | grep -q '^loading:0'; then staging dbsize; exit 0; fi
  if [ -s "$dir/server.pid" ] && ! kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
    grep -E '#|error|Error' "$dir/server.log" | tail -n 2 | sed 's/^[0-9]*:[A-Z] [^#*]*[#*] //' >&2
    exit 4
  fi
  sleep 0.2
done
echo "it was still loading after ${STAGING_LOAD_SECONDS} s" >&2
exit 5`;

// The staging server holds nothing worth saving: killed, with its copy of the snapshot.
const CLEANUP_SCRIPT = `[ -s ${STAGING_DIR}/server.pid ] && kill -9 "$(cat ${STAGING_DIR}/server.pid)" 2>/dev/null; rm -rf ${STAGING_DIR}; exit 0`;

/**
 * Replaces the trainee's data with `data` (checked against `sha256` once inside the pod).
 * Throws before the trainee's Redis is touched when the snapshot does not load; `touched`
 * says whether it was, for the caller's way back.
 */
export async function load(pod: PodRef, data: Buffer, sha256: string, state: { touched: boolean }): Promise<{ keys: number }> {
    await recoverInterrupted(pod);
    try {
        const upload = check(await execIn(pod, ["sh", "-c", `rm -rf "$1" && mkdir -p "$1" && head -c "$2" > "$1/dump.rdb" && sha256sum "$1/dump.rdb"`, "sh", STAGING_DIR, String(data.length)],
            { stdin: data, timeoutMs: 300_000 }), "copying the snapshot into the Redis pod");
        if (upload.split(/\s/)[0] !== sha256) throw new RedisDataError(`the snapshot changed on its way into the pod (sha256 ${upload.slice(0, 12)}…)`);
        const started = await execIn(pod, ["sh", "-c", STAGING_SCRIPT], { timeoutMs: 60_000 });
        if (started.code !== 0) throw new RedisDataError(`Redis cannot load this snapshot: ${started.stderr.trim().split("\n").join(" ") || `exit ${started.code}`}`);
        const keys = Number(started.stdout.toString().trim());

        state.touched = true;
        await cli(pod, "REPLICAOF the staging server", "replicaof", "127.0.0.1", String(STAGING_PORT));
        await until("taking the snapshot's data", 60, async () => {
            const replication = await info(pod, "replication");
            return replication.master_link_status === "up" && replication.master_sync_in_progress === "0";
        });
        await cli(pod, "REPLICAOF NO ONE", "replicaof", "no", "one");
        await until("rewriting the append-only file", 120, async () => {
            const persistence = await info(pod, "persistence");
            if (persistence.aof_last_bgrewrite_status === "err") throw new RedisDataError("Redis failed to rewrite its append-only file");
            return persistence.loading === "0" && persistence.aof_rewrite_in_progress === "0" && persistence.aof_rewrite_scheduled === "0";
        });
        const now = await keyCount(pod);
        if (now < keys) throw new RedisDataError(`Redis holds ${now} keys after the restore, the snapshot ${keys}`);
        return { keys };
    } finally {
        await execIn(pod, ["sh", "-c", CLEANUP_SCRIPT], { timeoutMs: 30_000 }).catch(() => undefined);
        // Never leave the trainee's Redis a read-only replica of a server that is gone.
        if (state.touched) await execIn(pod, ["redis-cli", "replicaof", "no", "one"], { timeoutMs: 30_000 }).catch(() => undefined);
    }
}
