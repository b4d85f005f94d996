// The app as a trainee sees it: the frontend's page through its Service, the visit counter,
// and the pods of a stack running on the real node.
import * as assert from "assert";
import { required, run, TraineeCli } from "./cli";
import { httpGet, kubeJson, pods, rolledOut, waitFor } from "./cluster";

/** The node the pods must run on: the local cluster's real node (its other is kwok's, where nothing runs); any node elsewhere. */
const NODE_NAME = process.env.E2E_REAL_NODE_NAME || undefined;
const NODE_IP = required("E2E_NODE_IP");
const IMAGES = {
    redisImage: required("E2E_REDIS_IMAGE"),
    frontendImage: required("E2E_FRONTEND_IMAGE"),
    imagebackendImage: required("E2E_IMAGEBACKEND_IMAGE"),
};
const APPS = ["redis", "frontend", "imagebackend"];

/** A stack's app, wherever it was deployed from (a trainee's checkout, the class tool): its namespace. */
export type InNamespace = Pick<TraineeCli, "namespace">;

/**
 * The images loaded into the node by hand, as trainees do with `minikube image load`: pull policy
 * Never, the six settings in one `pulumi config set-all` (docs/program.md, "Settings in more detail").
 */
export function useLocalImages(trainee: TraineeCli): void {
    trainee.pulumi("config", "set-all", ...Object.entries(IMAGES).flatMap(([key, ref]) => ["--plaintext", `${key}=${ref}`, "--plaintext", `${key}PullPolicy=Never`]));
}

/** A trainee's checkout of the project, a new stack set to the node's images. */
export function traineeWithLocalImages(stack: string, root: string): TraineeCli {
    const trainee = TraineeCli.checkout(stack, root);
    useLocalImages(trainee);
    return trainee;
}

/** The same images for a class: `npm run class -- up`'s `--config` pairs. */
export const CLASS_LOCAL_IMAGES = Object.entries(IMAGES).flatMap(([key, ref]) => ["--config", `${key}=${ref}`, "--config", `${key}PullPolicy=Never`]);

/** Where the frontend answers from this host: the load balancer's address, or the node's NodePort (kube-proxy). */
export function frontendBase(trainee: InNamespace): string {
    const svc = kubeJson("service", "frontend", "-n", trainee.namespace);
    const ingress = svc.status?.loadBalancer?.ingress?.[0]?.ip;
    return svc.spec.type === "LoadBalancer" && ingress
        ? `http://${ingress}:${svc.spec.ports[0].port}`
        : `http://${NODE_IP}:${svc.spec.ports[0].nodePort}`;
}

/**
 * The frontend's page. Right after a rollout kube-proxy may not have programmed the new
 * endpoints yet: the frontend's port refuses the connection, or the app answers 503 (Redis
 * not reachable yet) without counting the visit. A trainee would reload; so does this, for 30 s.
 */
export async function page(trainee: InNamespace): Promise<string> {
    const base = frontendBase(trainee);
    const deadline = Date.now() + 30_000;
    for (;;) {
        const res = await httpGet(`${base}/`).catch((err: NodeJS.ErrnoException) => {
            if (err.code === "ECONNREFUSED" && Date.now() < deadline) return undefined;
            throw err;
        });
        if ((res === undefined || res.status === 503) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 1000));
            continue;
        }
        assert.ok(res, `GET ${base}/: connection refused for 30 s`);
        assert.strictEqual(res.status, 200, res.body.toString());
        return res.body.toString();
    }
}

/** One visit: the counter the page shows, printed for the reader of the CI log. */
export async function visit(trainee: InNamespace, when: string): Promise<number> {
    const html = await page(trainee);
    const match = /visits: (\d+)/.exec(html);
    assert.ok(match, `no visit counter in the page:\n${html}`);
    const visits = Number(match[1]);
    // The specs run side by side: the namespace says whose counter a line is.
    console.log(`      visits: ${visits}  (${trainee.namespace}: ${when})`);
    return visits;
}

/** Every pod of the stack Running and Ready on the real node, rollouts finished, none left terminating. */
export async function allRunning(trainee: InNamespace): Promise<void> {
    await waitFor(`every pod of ${trainee.namespace} Running and Ready on ${NODE_NAME ?? "its node"}`, () => {
        const names = pods(trainee.namespace).map((p) => p.name);
        return APPS.every((app) => names.some((n) => n.startsWith(app))) && rolledOut(trainee.namespace, NODE_NAME);
    }, 180);
}


/**
 * Which of `namespace`'s Services a pod started with `kubectl` (its own kubeconfig, or the
 * admin's) can open: a bash pod of the Redis image, Pod Security restricted, that tries each
 * port once. Returns each Service's "open" or "closed" and deletes the pod.
 */
export async function reachableFrom(kubectlArgs: string[], podName: string, namespace: string, services: ReadonlyArray<readonly [string, number]>): Promise<Record<string, string>> {
    const script = services.map(([svc, port]) =>
        `if timeout 3 bash -c 'exec 3<>/dev/tcp/${svc}.${namespace}.svc/${port}' 2>/dev/null; then echo "${svc} open"; else echo "${svc} closed"; fi`).join("\n");
    const pod = {
        apiVersion: "v1", kind: "Pod", metadata: { name: podName },
        spec: {
            restartPolicy: "Never",
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
            containers: [{ name: "try", image: IMAGES.redisImage, imagePullPolicy: "Never", command: ["bash", "-c", script],
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
        },
    };
    const as = (...args: string[]) => run("kubectl", [...kubectlArgs, ...args], { allowFail: true });
    const apply = run("kubectl", [...kubectlArgs, "apply", "-f", "-"], { input: JSON.stringify(pod) });
    assert.match(apply.stdout, new RegExp(`pod/${podName} created`));
    await waitFor(`pod ${podName} to finish`, () => ["Succeeded", "Failed"].includes(as("get", "pod", podName, "-o", "jsonpath={.status.phase}").stdout), 60);
    const log = as("logs", podName).stdout;
    console.log(log.trim().split("\n").map((l) => `      ${podName}: ${l}`).join("\n"));
    as("delete", "pod", podName, "--wait=false");
    return Object.fromEntries(log.trim().split("\n").map((l) => l.split(" ") as [string, string]));
}
