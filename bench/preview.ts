// npm run bench:preview (in a project directory whose selected stack is deployed, with the
// cluster in $KUBECONFIG): what a `pulumi preview` with no change costs, against an empty
// program's preview on the same CLI, and what the program's cluster read and Pulumi.yaml's
// `refresh: always` add, all in one run.
import { spawnSync } from "child_process";
import { performance } from "perf_hooks";
import { readClusterState } from "../clusterReads/volumes";
import { parseConfig, projectKeys } from "../config";
import { emptyProject, median, timedPreview } from "./previewTiming";

const REPEATS = 5;

async function main(): Promise<void> {
    // The selected stack's config, as the program sees it.
    const stack = spawnSync("pulumi", ["stack", "--show-name"], { encoding: "utf8" }).stdout.trim();
    const raw = JSON.parse(spawnSync("pulumi", ["config", "--json"], { encoding: "utf8" }).stdout) as Record<string, { value?: string }>;
    const config = parseConfig(projectKeys(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v.value ?? "")]))), stack);

    // The read of a deployed stack (its claim exists: one GET), and of a stack whose claim is
    // gone (it lists the project's volumes, and the StorageClasses when no class is configured).
    const absent = { ...config, namespace: "monsterstack-bench-no-claim", storageClass: undefined };
    const timeReads = async (c: typeof config) => {
        const times: number[] = [];
        for (let i = 0; i < 10; i++) {
            const start = performance.now();
            await readClusterState(c, "redis-data", "monsterstack");
            times.push(performance.now() - start);
        }
        return median(times);
    };
    const read = await timeReads(config);
    const readAbsent = await timeReads(absent);
    const empty = emptyProject();
    const plain: number[] = [], refreshing: number[] = [], emptyTimes: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
        emptyTimes.push(timedPreview([], { cwd: empty.dir }));
        plain.push(timedPreview(["--refresh=false"]));
        refreshing.push(timedPreview([]));
    }
    empty.remove();
    const without = median(plain), withRefresh = median(refreshing), baseline = median(emptyTimes);
    const share = (ms: number) => `${(100 * ms / without).toFixed(1)}% of a preview`;
    console.log(`stack ${stack}, medians of ${REPEATS} previews and 10 reads (ms)`);
    console.log(`  the program's cluster read, claim present:  ${read.toFixed(1)}  (${share(read)})`);
    console.log(`  the program's cluster read, claim gone:     ${readAbsent.toFixed(1)}  (${share(readAbsent)})`);
    console.log(`  empty program's pulumi preview:             ${baseline.toFixed(0)}`);
    console.log(`  pulumi preview --refresh=false:             ${without.toFixed(0)}  (x${(without / baseline).toFixed(2)} the empty program)`);
    console.log(`  pulumi preview (Pulumi.yaml refresh always): ${withRefresh.toFixed(0)}  (x${(withRefresh / without).toFixed(2)})`);
}

main().catch((err) => { console.error(err); process.exit(1); });
