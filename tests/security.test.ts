// Pod Security Standards: the namespace enforces `restricted`, and every pod the program
// registers passes it (the API server would refuse the others).
import * as assert from "assert";
import type { V1PodSecurityContext, V1PodSpec, V1SecurityContext, V1Volume } from "@kubernetes/client-node";
import { findObject, kubeObjects, KubeObject, ProgramRun, runProgram } from "../testing/harness";

const RESTRICTED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

function workloads(run: ProgramRun): KubeObject[] {
    return kubeObjects(run).filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet");
}

/** The `restricted` checks of https://kubernetes.io/docs/concepts/security/pod-security-standards/ for one pod spec. */
function restrictedViolations(pod: V1PodSpec): string[] {
    const problems: string[] = [];
    const pc: V1PodSecurityContext = pod.securityContext ?? {};
    if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push("host namespaces");
    for (const v of pod.volumes ?? []) {
        const type = Object.keys(v).find((k) => k !== "name");
        if (!RESTRICTED_VOLUME_TYPES.includes(type!)) problems.push(`volume ${v.name} is ${type}`);
    }
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        const sc: V1SecurityContext = c.securityContext ?? {};
        if (sc.privileged) problems.push(`${c.name}: privileged`);
        if (sc.allowPrivilegeEscalation !== false) problems.push(`${c.name}: allowPrivilegeEscalation is not false`);
        if ((sc.runAsNonRoot ?? pc.runAsNonRoot) !== true) problems.push(`${c.name}: runAsNonRoot is not true`);
        if ((sc.runAsUser ?? pc.runAsUser) === 0) problems.push(`${c.name}: runs as uid 0`);
        const seccomp = sc.seccompProfile?.type ?? pc.seccompProfile?.type;
        if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`${c.name}: seccompProfile ${seccomp}`);
        if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`${c.name}: capabilities not dropped`);
        if ((sc.capabilities?.add ?? []).some((cap: string) => cap !== "NET_BIND_SERVICE")) problems.push(`${c.name}: adds capabilities`);
        if ((c.ports ?? []).some((p) => p.hostPort)) problems.push(`${c.name}: hostPort`);
    }
    return problems;
}

describe("pod security", () => {
    const configs: Array<Record<string, string>> = [
        {},
        { redisKind: "Deployment", redisAuth: "true" },
        { target: "cloud", reclaimPolicy: "Retain", frontendProbePath: "/healthz" },
    ];
    for (const config of configs) {
        it(`every pod passes the restricted standard (${JSON.stringify(config)})`, async () => {
            const run = await runProgram("alice", config);
            assert.strictEqual(workloads(run).length, 3);
            for (const w of workloads(run)) {
                assert.deepStrictEqual(restrictedViolations(w.spec.template.spec), [], `${w.kind}/${w.metadata.name}`);
            }
        });
    }

    it("the namespace enforces restricted (and warns at restricted), so a non-conforming pod is refused", async () => {
        const run = await runProgram("alice");
        const labels = findObject(run, "Namespace", "monsterstack-alice").metadata.labels;
        assert.strictEqual(labels["pod-security.kubernetes.io/enforce"], "restricted");
        assert.strictEqual(labels["pod-security.kubernetes.io/warn"], "restricted");
    });

    it("every pod names its non-root user and group, fsGroup and RuntimeDefault seccomp; every container drops ALL", async () => {
        const run = await runProgram("alice");
        const expected: Record<string, { user: number; group: number }> = {
            redis: { user: 999, group: 999 }, frontend: { user: 10001, group: 10001 }, imagebackend: { user: 10002, group: 10002 },
        };
        for (const w of workloads(run)) {
            const pod = w.spec.template.spec;
            const id = expected[w.metadata.name];
            assert.deepStrictEqual(pod.securityContext, {
                runAsNonRoot: true, runAsUser: id.user, runAsGroup: id.group, fsGroup: id.group,
                fsGroupChangePolicy: "OnRootMismatch", seccompProfile: { type: "RuntimeDefault" },
            }, w.metadata.name);
            assert.strictEqual(pod.automountServiceAccountToken, false, `${w.metadata.name} needs no API token`);
            for (const c of pod.containers) {
                assert.deepStrictEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } }, c.name);
            }
        }
    });

    it("every container of every pod, the backup job's included, has a read-only root; the apps write only to an emptyDir /tmp, Redis only to its claim", async () => {
        const run = await runProgram("alice", { backupSchedule: "@hourly" });
        const pods = [...workloads(run).map((w) => [w.metadata.name, w.spec.template.spec] as const),
            ["redis-backup", findObject(run, "CronJob", "redis-backup").spec.jobTemplate.spec.template.spec] as const];
        assert.strictEqual(pods.length, 4);
        for (const [name, pod] of pods) {
            for (const c of pod.containers) assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true, `${name}/${c.name}`);
            const writable = pod.containers.flatMap((c: { volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }> }) => (c.volumeMounts ?? []).filter((m) => !m.readOnly))
                .map((m: { name: string; mountPath: string }) => [m.mountPath, Object.keys(pod.volumes.find((v: V1Volume) => v.name === m.name)).find((k) => k !== "name")]);
            const expected: Record<string, string[][]> = {
                frontend: [["/tmp", "emptyDir"]], imagebackend: [["/tmp", "emptyDir"]], redis: [["/data", "persistentVolumeClaim"]], "redis-backup": [["/backups", "persistentVolumeClaim"]],
            };
            assert.deepStrictEqual(writable, expected[name], name);
        }
    });

    it("the TLS files belong to the frontend's own group: readable by the app, by nobody else", async () => {
        const frontend = findObject(await runProgram("alice"), "Deployment", "frontend").spec.template.spec;
        const tls = frontend.volumes.find((v: V1Volume) => v.secret?.secretName === "frontend-tls");
        assert.strictEqual(tls.secret.defaultMode, 0o440);
        assert.strictEqual(frontend.securityContext.fsGroup, frontend.securityContext.runAsGroup);
        assert.notStrictEqual(frontend.securityContext.runAsUser, 0);
    });

    it("podSecurity baseline: the namespace enforces baseline and images choose their user (for images that start as root)", async () => {
        const run = await runProgram("alice", { podSecurity: "baseline" });
        const labels = findObject(run, "Namespace", "monsterstack-alice").metadata.labels;
        assert.strictEqual(labels["pod-security.kubernetes.io/enforce"], "baseline");
        assert.strictEqual(labels["pod-security.kubernetes.io/warn"], "restricted");
        for (const w of workloads(run)) {
            const pod = w.spec.template.spec;
            assert.strictEqual(pod.securityContext.runAsUser, undefined);
            assert.strictEqual(pod.securityContext.runAsNonRoot, undefined);
            assert.deepStrictEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
            for (const c of pod.containers) assert.deepStrictEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
            // Still nothing baseline forbids.
            assert.ok(!pod.hostNetwork && !pod.volumes?.some((v: V1Volume) => v.hostPath));
        }
    });
});
