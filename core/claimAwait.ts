// Whether `pulumi up` waits on a PersistentVolumeClaim: never. Our pulumi-kubernetes (source of
// 2026-01, toolchain/versions.env) waits on every update of a claim whose StorageClass binds at
// first use (WaitForFirstConsumer) for the phase Pending, which a bound claim never goes back to:
// a Retain/Delete toggle, an annotation change, hung 5 minutes and failed (measured on
// `npm start -- --cloud`; fixed upstream in 2026-02, pulumi/pulumi-kubernetes#4181). The wait
// proves nothing the program needs: Redis' own wait holds `up` until its pod runs on the claim,
// and the reclaim policy reads the claim back after that (components/reclaimPolicy.ts).
import { SKIP_AWAIT_ANNOTATION } from "./serviceAwait";

export const CLAIM_AWAIT_ANNOTATIONS: Readonly<Record<string, string>> = { [SKIP_AWAIT_ANNOTATION]: "true" };
