// A generated Redis password, kept in Pulumi state as a secret and handed to pods
// through a Kubernetes Secret (environment variable via secretKeyRef).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { recommendedLabels } from "../core/labels";
import type { SecretKeySource } from "../core/secretKeySource";

export const REDIS_AUTH_SECRET_NAME = "redis-auth";
export const REDIS_PASSWORD_KEY = "password";

export interface RedisPasswordArgs {
    namespace: pulumi.Input<string>;
    instance: string;
}

export class RedisPassword extends pulumi.ComponentResource {
    readonly secret: k8s.core.v1.Secret;
    /** The password, a Pulumi secret. */
    readonly password: pulumi.Output<string>;
    /** How a container reads the password: `env[].valueFrom`, naming the Secret by its output, so that pods come after it. */
    readonly envSource: SecretKeySource<pulumi.Output<string>>;

    constructor(name: string, args: RedisPasswordArgs, opts?: pulumi.ComponentResourceOptions) {
        super("monsterstack:redis:RedisPassword", name, {}, opts);

        // Generated once, then kept in state: no new password on every `pulumi up`.
        const generated = new random.RandomPassword(`${name}-value`, {
            length: 32,
            special: false, // it ends up on redis-server's command line
        }, { parent: this });
        this.password = pulumi.secret(generated.result);

        this.secret = new k8s.core.v1.Secret(name, {
            metadata: {
                name: REDIS_AUTH_SECRET_NAME,
                namespace: args.namespace,
                labels: recommendedLabels({ name: "redis", instance: args.instance, component: "database" }),
            },
            type: "Opaque",
            stringData: { [REDIS_PASSWORD_KEY]: this.password },
        }, { parent: this });
        this.envSource = { secretKeyRef: { name: this.secret.metadata.name, key: REDIS_PASSWORD_KEY } };

        this.registerOutputs({ password: this.password });
    }
}
