// Kubernetes quantities, parsed in one place: the storage size of the config and the claim,
// the quota's sums of CPU and memory.

const UNITS: Record<string, number> = {
    "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const QUANTITY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

/** Bytes in a memory or storage quantity (2Gi, 500Mi, 1G, 1073741824); undefined when it is not one. */
export function parseBytes(quantity: string): number | undefined {
    const m = QUANTITY.exec(quantity);
    return m ? Number(m[1]) * UNITS[m[2] ?? ""] : undefined;
}

/** Bytes in a quantity the config already validated. */
export function quantityBytes(quantity: string): number {
    const bytes = parseBytes(quantity);
    if (bytes === undefined) throw new Error(`not a storage quantity: ${quantity}`);
    return bytes;
}

/** MiB in a memory quantity ("64Mi", "1Gi", "512Ki"). */
export function memoryMi(quantity: string): number {
    return quantityBytes(quantity) / 2 ** 20;
}

/** Milli-CPUs in a CPU quantity ("250m", "1"). */
export function cpuMilli(quantity: string): number {
    return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000;
}
