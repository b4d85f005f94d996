// How a container reads a value from a Secret's key (`env[].valueFrom`), as plain values.

/** `Name`: a plain name (the trainer's tool's pods), or a Pulumi input that orders the pod after the Secret (the program's). */
export interface SecretKeySource<Name = string> {
    secretKeyRef: { name: Name; key: string };
}
