// Whether `pulumi up` waits on a Service. pulumi-kubernetes waits for a Service's Endpoints,
// then 10 s more after every change to them (provider/pkg/await/service.go, "give it a few
// seconds ... to settle"). The workloads' own waits already hold `up` until their pods are Ready,
// so for a ClusterIP or NodePort Service that wait proves nothing more, and it cost each
// `pulumi up` that created one 10 s (and the frontend, whose ConfigMap names the Services,
// waited behind it). A LoadBalancer still waits: its address is only known once assigned, and
// the frontendUrl output is made of it.

/** The Service types the program creates. */
export type ProgramServiceType = "ClusterIP" | "NodePort" | "LoadBalancer";

/** Pulumi's annotation that skips its wait on an object. */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";

/** The annotations that say whether `pulumi up` waits on a Service of this type. */
export function serviceAwaitAnnotations(type: ProgramServiceType): Record<string, string> {
    return type === "LoadBalancer" ? {} : { [SKIP_AWAIT_ANNOTATION]: "true" };
}
