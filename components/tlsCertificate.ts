// A private key and a self-signed certificate for the frontend, generated once by
// @pulumi/tls, kept in state, and stored in a Kubernetes Secret.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { recommendedLabels } from "../core/labels";

export const TLS_SECRET_NAME = "frontend-tls";
/** Keys inside the Secret: the course mounts `mycert.pem` at /etc/mycert.pem. */
export const CERT_KEY = "mycert.pem";
export const PRIVATE_KEY_KEY = "mykey.pem";

export interface TlsCertificateArgs {
    namespace: pulumi.Input<string>;
    instance: string;
    /** Names the certificate covers; the first one is also its common name. */
    dnsNames: string[];
}

/** Every name a client may use for a Service, short to fully qualified, then the extras. */
export function serviceDnsNames(serviceName: string, namespace: string, extraHosts: string[]): string[] {
    const names = [serviceName, `${serviceName}.${namespace}`, `${serviceName}.${namespace}.svc`,
        `${serviceName}.${namespace}.svc.cluster.local`, ...extraHosts];
    return [...new Set(names)];
}

export class TlsCertificate extends pulumi.ComponentResource {
    readonly secret: k8s.core.v1.Secret;
    /** The certificate, public. */
    readonly certPem: pulumi.Output<string>;
    /** The private key, a Pulumi secret. */
    readonly privateKeyPem: pulumi.Output<string>;
    readonly dnsNames: string[];

    constructor(name: string, args: TlsCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("monsterstack:tls:TlsCertificate", name, {}, opts);
        this.dnsNames = args.dnsNames;

        const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        const cert = new tls.SelfSignedCert(`${name}-cert`, {
            privateKeyPem: key.privateKeyPem,
            subject: { commonName: this.dnsNames[0], organization: `monsterstack ${args.instance}` },
            dnsNames: this.dnsNames,
            validityPeriodHours: 24 * 365,
            // Renewed by `pulumi up` once within 30 days of expiry, not on every run.
            earlyRenewalHours: 24 * 30,
            allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
        }, { parent: this });

        this.certPem = cert.certPem;
        this.privateKeyPem = pulumi.secret(key.privateKeyPem);

        this.secret = new k8s.core.v1.Secret(name, {
            metadata: {
                name: TLS_SECRET_NAME,
                namespace: args.namespace,
                labels: recommendedLabels({ name: "frontend", instance: args.instance, component: "tls" }),
            },
            type: "Opaque",
            stringData: { [CERT_KEY]: this.certPem, [PRIVATE_KEY_KEY]: this.privateKeyPem },
        }, { parent: this });

        this.registerOutputs({ certPem: this.certPem, privateKeyPem: this.privateKeyPem });
    }
}
