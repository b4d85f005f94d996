// Whether `pulumi up` waits on a PersistentVolumeClaim. Our pulumi-kubernetes (source of 2026-01,
// toolchain/versions.env) waits on every update of a claim whose StorageClass binds at first use
// (WaitForFirstConsumer) for the phase Pending, which a bound claim never goes back to: a
// Retain/Delete toggle hung 5 minutes and failed (measured on `npm start -- --cloud`; fixed upstream
// in 2026-02, pulumi/pulumi-kubernetes#4181). Such claims are not awaited: Redis' own wait holds
// `up` until its pod runs on the claim. A claim of a class that binds at once is awaited: its state
// then records it bound, so the next `pulumi preview --diff` (which refreshes first) shows the
// trainee's change only, not fifty lines of what the binding filled in.
import { SKIP_AWAIT_ANNOTATION } from "./serviceAwait";

export function claimAwaitAnnotations(bindsAtFirstUse: boolean): Readonly<Record<string, string>> {
    return bindsAtFirstUse ? { [SKIP_AWAIT_ANNOTATION]: "true" } : {};
}
