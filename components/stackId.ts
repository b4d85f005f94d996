// What tells two stacks of the same project and name apart: two trainers' classes on one
// cluster, each with a trainee alice on a backend of its own, or a stack created again after
// its state was lost. Only the state differs, so the state keeps a random id (@pulumi/random),
// and the stack writes it as a label on the namespace it owns (and on its volumes): a
// namespace carrying another id is not this stack's, whatever its other labels say.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export class StackId extends pulumi.ComponentResource {
    /** 16 hex digits, drawn once, at the stack's first `pulumi up`, and kept in its state. */
    readonly hex: pulumi.Output<string>;

    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("monsterstack:identity:StackId", name, {}, opts);
        this.hex = new random.RandomId(`${name}-value`, { byteLength: 8 }, { parent: this }).hex;
        this.registerOutputs({ hex: this.hex });
    }
}

/**
 * Whether an output's value is known. In a preview, values yet to be produced (a stack's
 * first id, a volume not provisioned yet) are unknown, and `apply` skips its callback.
 * `isKnown` is the flag `apply` itself consults; the SDK's typings do not declare it.
 */
export function isKnown(output: pulumi.Output<unknown>): Promise<boolean> {
    return (output as unknown as { isKnown: Promise<boolean> }).isKnown;
}

/** The value of an output as the engine knows it now: undefined while it is unknown (a preview of a new stack). */
export async function knownNow<T>(output: pulumi.Output<T>): Promise<T | undefined> {
    if (!await isKnown(output)) return undefined;
    return new Promise((resolve) => output.apply((value) => { resolve(value); return value; }));
}
