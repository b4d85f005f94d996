// One data operation per trainee at a time. A backup or restore holds a Lease
// (coordination.k8s.io) in the trainee's namespace while it runs, renewed as it goes: a second
// one, from another terminal or another trainer, is refused and told who holds it; one that was
// killed stops renewing, so its Lease expires and the next operation knows it was interrupted
// (and sets the trainee's Redis free), instead of tearing down a restore that still runs.
import * as k8s from "@kubernetes/client-node";
import { randomBytes } from "crypto";
import * as os from "os";

export const DATA_LEASE_NAME = "monsterstack-class-data";
/** A holder that has not renewed for this long is gone. */
export const LEASE_SECONDS = 60;
const RENEW_MS = 15_000;

export type DataOperation = "backup" | "restore";

export class DataBusyError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DataBusyError";
    }
}

/** What a Lease says, as far as the decision needs it. */
export interface LeaseView {
    holder: string;
    renewed: Date;
    seconds: number;
}

export type LeaseDecision =
    | { kind: "create" }
    /** The previous holder stopped renewing: it was interrupted. */
    | { kind: "take over"; interrupted: string }
    | { kind: "busy"; holder: string; expires: Date };

/** Whether an operation may take a trainee's data now, from the Lease found (or none). */
export function leaseDecision(found: LeaseView | undefined, now: Date): LeaseDecision {
    if (found === undefined || found.holder === "") return { kind: "create" };
    const expires = new Date(found.renewed.getTime() + found.seconds * 1000);
    return expires.getTime() <= now.getTime() ? { kind: "take over", interrupted: found.holder } : { kind: "busy", holder: found.holder, expires };
}

/** Who holds it, in words a trainer in another terminal recognises. */
export function holderIdentity(operation: DataOperation): string {
    return `${operation} by ${os.userInfo().username}@${os.hostname()}, pid ${process.pid} (${randomBytes(3).toString("hex")})`;
}

export function busyMessage(namespace: string, decision: Extract<LeaseDecision, { kind: "busy" }>, now: Date): string {
    const seconds = Math.max(1, Math.ceil((decision.expires.getTime() - now.getTime()) / 1000));
    return `busy: a ${decision.holder} is working on this trainee's data (Lease ${namespace}/${DATA_LEASE_NAME}); ` +
        `run this again once it ends. If that run was killed, its Lease lapses within ${seconds} s.`;
}

function view(lease: k8s.V1Lease): LeaseView | undefined {
    const spec = lease.spec;
    if (!spec?.holderIdentity || !spec.renewTime) return undefined;
    return { holder: spec.holderIdentity, renewed: new Date(spec.renewTime), seconds: spec.leaseDurationSeconds ?? LEASE_SECONDS };
}

const conflictOrExists = (err: unknown) => [409, 422].includes((err as { code?: number }).code ?? 0);

/** A Lease held for one operation: renewed until `release`. */
export interface HeldLease {
    /** The holder whose Lease had lapsed, when this operation took it over. */
    interrupted?: string;
    release(): Promise<void>;
}

/**
 * Takes the trainee's data Lease for `operation`, or throws a DataBusyError naming its holder.
 * The Lease is renewed every 15 s until released.
 */
export async function holdDataLease(kc: k8s.KubeConfig, namespace: string, operation: DataOperation): Promise<HeldLease> {
    const api = kc.makeApiClient(k8s.CoordinationV1Api);
    const identity = holderIdentity(operation);
    const now = new Date();
    const spec = (transitions: number): k8s.V1LeaseSpec => ({
        holderIdentity: identity, leaseDurationSeconds: LEASE_SECONDS,
        acquireTime: new k8s.V1MicroTime(now.getTime()), renewTime: new k8s.V1MicroTime(now.getTime()), leaseTransitions: transitions,
    });
    const busy = (found: LeaseView | undefined) => {
        const decision = leaseDecision(found, new Date());
        return new DataBusyError(decision.kind === "busy" ? busyMessage(namespace, decision, new Date()) : `busy: another operation took Lease ${namespace}/${DATA_LEASE_NAME} at the same moment; run this again`);
    };

    let current: k8s.V1Lease | undefined;
    try {
        current = await api.readNamespacedLease({ name: DATA_LEASE_NAME, namespace });
    } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
    }
    const decision = leaseDecision(current && view(current), now);
    if (decision.kind === "busy") throw busy(current && view(current));
    let held: k8s.V1Lease;
    try {
        held = current === undefined
            ? await api.createNamespacedLease({ namespace, body: { metadata: { name: DATA_LEASE_NAME, namespace }, spec: spec(0) } })
            // resourceVersion: if another operation took it meanwhile, this replace is refused.
            : await api.replaceNamespacedLease({ name: DATA_LEASE_NAME, namespace, body: { metadata: current.metadata, spec: spec((current.spec?.leaseTransitions ?? 0) + 1) } });
    } catch (err) {
        if (!conflictOrExists(err)) throw err;
        const again = await api.readNamespacedLease({ name: DATA_LEASE_NAME, namespace }).catch(() => undefined);
        throw busy(again && view(again));
    }

    // One renewal at a time, and none in flight when the Lease is released.
    let renewing = Promise.resolve();
    const renew = setInterval(() => {
        renewing = renewing.then(() => api.replaceNamespacedLease({ name: DATA_LEASE_NAME, namespace, body: { ...held, spec: { ...held.spec, renewTime: new k8s.V1MicroTime() } } })
            .then((renewed) => { held = renewed; }, () => undefined));
    }, RENEW_MS);
    renew.unref();
    return {
        interrupted: decision.kind === "take over" ? decision.interrupted : undefined,
        async release() {
            clearInterval(renew);
            await renewing;
            // Only the Lease this operation holds: the resourceVersion precondition refuses any other.
            await api.deleteNamespacedLease({ name: DATA_LEASE_NAME, namespace, body: { preconditions: { uid: held.metadata?.uid, resourceVersion: held.metadata?.resourceVersion } } }).catch(() => undefined);
        },
    };
}
