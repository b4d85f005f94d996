// CPU and memory for each container: small enough that 30 trainee stacks fit a
// 3-node 4 vCPU / 8 GiB cluster (see `npm run bench`), with limits so one trainee's
// runaway pod cannot starve the others.
/** Plain values (a type, not an interface: it then fits Kubernetes' string maps). */
export type ContainerSize = {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
};

export const SIZES = {
    frontend: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
    imagebackend: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
    redis: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
    /** The scheduled backup's job: redis-cli streaming an RDB to a file. */
    backup: { requests: { cpu: "50m", memory: "32Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
} satisfies Record<string, ContainerSize>;

/** Redis' size with the memory limit the stack's config chose (redisMemory). */
export function redisSize(memoryLimit: string): ContainerSize {
    return { requests: { ...SIZES.redis.requests }, limits: { ...SIZES.redis.limits, memory: memoryLimit } };
}

export function containerResources(size: ContainerSize): ContainerSize {
    return { requests: { ...size.requests }, limits: { ...size.limits } };
}

/** What a container a trainee adds without resources gets (the LimitRange's defaults): the image backend's size. */
export const TRAINEE_CONTAINER_SIZE: ContainerSize = SIZES.imagebackend;
