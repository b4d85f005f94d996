// A namespace as the specs on whose-namespace-it-is read it: its labels, and a refused `pulumi up`.
import * as assert from "assert";
import type { TraineeCli } from "./cli";
import { kubeJson } from "./cluster";

export const labelsOf = (namespace: string): Record<string, string> => kubeJson("namespace", namespace).metadata.labels;

/** What `pulumi up` printed when it was refused: it failed, and named the namespace and whose it is. */
export function assertRefused(trainee: TraineeCli, namespace: string, whose: RegExp): void {
    const up = trainee.attempt("up", "--yes");
    assert.notStrictEqual(up.status, 0, up.stdout);
    const printed = up.stdout + up.stderr;
    assert.match(printed, new RegExp(`monsterstack:namespace = "${namespace}": namespace ${namespace} already exists and is not this stack's: `));
    assert.match(printed, whose);
    assert.match(printed, /Set monsterstack:namespace to a name of your own/);
    // Nothing was registered: the state holds the stack itself, no Kubernetes object, no provider.
    assert.deepStrictEqual(trainee.stateTypes().filter((t) => t !== "pulumi:pulumi:Stack"), []);
}
