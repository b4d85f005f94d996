// npm run bench: how long the program takes to evaluate under mocks (one stack, and a
// class of 30 trainee stacks, against an empty program), and what a trainee stack
// requests from the cluster with default config.
import * as path from "path";
import { performance } from "perf_hooks";
import { cpuMilli, memoryMi } from "../core/quantities";
import { kubeObjects, ProgramRun, runProgram } from "../testing/harness";

const CLASS_SIZE = 30;
const REPEATS = 5;
// The cluster a class is meant to fit on: 3 nodes of 4 vCPU / 8 GiB.
const NODES = 3;
const NODE_CPU_MILLI = 4000;
const NODE_MEMORY_MI = 8192;
// What a managed node keeps for the OS, kubelet and system pods; GKE/EKS/AKS reserve
// in this order of magnitude on 4 vCPU / 8 GiB nodes (about 10% CPU, 25% memory).
const NODE_RESERVED_CPU_MILLI = 400;
const NODE_RESERVED_MEMORY_MI = 2048;


/** Sum of requests over every pod the stack runs (containers × replicas). */
export function requestedPerStack(run: ProgramRun): { cpuMilli: number; memoryMi: number; pods: number } {
    let cpu = 0, memory = 0, pods = 0;
    for (const o of kubeObjects(run)) {
        if (!["Deployment", "StatefulSet"].includes(o.kind)) continue;
        const replicas = o.spec.replicas ?? 1;
        pods += replicas;
        for (const c of o.spec.template.spec.containers) {
            cpu += replicas * cpuMilli(c.resources.requests.cpu);
            memory += replicas * memoryMi(c.resources.requests.memory);
        }
    }
    return { cpuMilli: cpu, memoryMi: memory, pods };
}

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
    const start = performance.now();
    const result = await f();
    return [performance.now() - start, result];
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
    const empty = path.join(__dirname, "emptyProgram.ts");
    // Warm-up: ts-node compiles the program on first load.
    await runProgram("warmup", {}, { program: empty });
    await runProgram("warmup");

    const emptyMs: number[] = [], oneMs: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
        emptyMs.push((await timed(() => runProgram(`empty${i}`, {}, { program: empty })))[0]);
        oneMs.push((await timed(() => runProgram(`alice${i}`)))[0]);
    }
    const [classMs, runs] = await timed(async () => {
        const all: ProgramRun[] = [];
        for (let i = 1; i <= CLASS_SIZE; i++) all.push(await runProgram(`trainee${String(i).padStart(2, "0")}`));
        return all;
    });
    const [emptyClassMs] = await timed(async () => {
        for (let i = 1; i <= CLASS_SIZE; i++) await runProgram(`empty${i}`, {}, { program: empty });
    });

    const perStack = requestedPerStack(runs[0]);
    const resources = runs[0].resources.length;
    const allocCpu = NODES * (NODE_CPU_MILLI - NODE_RESERVED_CPU_MILLI);
    const allocMem = NODES * (NODE_MEMORY_MI - NODE_RESERVED_MEMORY_MI);
    const classCpu = CLASS_SIZE * perStack.cpuMilli;
    const classMem = CLASS_SIZE * perStack.memoryMi;

    console.log("program evaluation under mocks (ms, median of " + REPEATS + ")");
    console.log(`  empty program, one stack:        ${median(emptyMs).toFixed(1)}`);
    console.log(`  monsterstack, one stack:         ${median(oneMs).toFixed(1)}  (${resources} resources registered)`);
    console.log(`  empty program, ${CLASS_SIZE} stacks in a row: ${emptyClassMs.toFixed(1)}`);
    console.log(`  monsterstack, ${CLASS_SIZE} stacks in a row:  ${classMs.toFixed(1)}  (${(classMs / CLASS_SIZE).toFixed(1)} per stack)`);
    console.log("requests per trainee stack with default config");
    console.log(`  pods: ${perStack.pods}, cpu: ${perStack.cpuMilli}m, memory: ${perStack.memoryMi}Mi`);
    console.log(`class of ${CLASS_SIZE} on ${NODES} nodes x ${NODE_CPU_MILLI / 1000} vCPU / ${NODE_MEMORY_MI / 1024} GiB (allocatable after ${NODE_RESERVED_CPU_MILLI}m / ${NODE_RESERVED_MEMORY_MI}Mi reserved per node)`);
    console.log(`  cpu:    ${classCpu}m of ${allocCpu}m (${(100 * classCpu / allocCpu).toFixed(0)}%)`);
    console.log(`  memory: ${classMem}Mi of ${allocMem}Mi (${(100 * classMem / allocMem).toFixed(0)}%)`);
    const fits = classCpu <= allocCpu && classMem <= allocMem;
    console.log(`  fits: ${fits ? "yes" : "NO"}`);
    if (!fits) process.exitCode = 1;
}

main().catch((err) => { console.error(err); process.exit(1); });
