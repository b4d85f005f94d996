// CPU and memory for each container: small enough that 30 trainee stacks fit a
// 3-node 4 vCPU / 8 GiB cluster (see `npm run bench`), with limits so one trainee's
// runaway pod cannot starve the others.
import * as k8s from "@pulumi/kubernetes";

export interface ContainerSize {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

export const SIZES = {
    frontend: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
    imagebackend: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
    redis: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
} satisfies Record<string, ContainerSize>;

export function containerResources(size: ContainerSize): k8s.types.input.core.v1.ResourceRequirements {
    return { requests: { ...size.requests }, limits: { ...size.limits } };
}

/** Milli-CPUs in a CPU quantity ("250m", "1"). */
export function cpuMilli(q: string): number {
    return q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000;
}

/** MiB in a memory quantity ("64Mi", "1Gi", "512Ki"). */
export function memoryMi(q: string): number {
    const units: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024 };
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)$/.exec(q);
    if (!m) throw new Error(`unhandled quantity ${q}`);
    return Number(m[1]) * units[m[2]];
}
