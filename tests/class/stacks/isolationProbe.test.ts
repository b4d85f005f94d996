// The class tool's network isolation check: its verdict, and the probe pod it runs with a
// trainee's own rights (Pod Security restricted, an image the stack runs, bounded in time).
import * as assert from "assert";
import { isolationVerdict, notEnforcedWarning, probeImage, probePair, probePod, probeScript } from "../../../class/stacks/isolationProbe";
import { parseRoster } from "../../../class/roster";
import { jsonRecord, table } from "../../../class/report";

describe("network isolation, measured by the class tool", () => {
    it("enforced when Redis refuses and the control answers; not enforced when Redis answers; unknown when the control fails too", () => {
        assert.strictEqual(isolationVerdict(false, true), "enforced");
        assert.strictEqual(isolationVerdict(true, true), "not enforced");
        assert.strictEqual(isolationVerdict(false, false), "unknown");
        assert.strictEqual(isolationVerdict(true, false), "unknown");
    });

    it("the probe pod passes Pod Security restricted, pulls nothing new, and is bounded in time", () => {
        const pod = probePod("isolation-probe-1", { ref: "localhost/redis:1", pullPolicy: "Never" }, "true");
        const spec = pod.spec!;
        assert.deepStrictEqual([spec.securityContext?.runAsNonRoot, spec.securityContext?.runAsUser, spec.securityContext?.seccompProfile?.type], [true, 999, "RuntimeDefault"]);
        const [c] = spec.containers;
        assert.deepStrictEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        assert.deepStrictEqual([c.image, c.imagePullPolicy], ["localhost/redis:1", "Never"]);
        assert.ok(c.resources?.limits?.memory && c.resources.requests?.cpu, "the namespace's quota needs resources");
        assert.strictEqual(spec.restartPolicy, "Never");
        assert.ok(spec.activeDeadlineSeconds! <= 30);
        assert.strictEqual(spec.automountServiceAccountToken, false);
    });

    it("the probe's image is the class's setting for the trainee, never read from the trainee's pods", () => {
        const [alice, bob] = parseRoster("alice redisImage=registry.example.com/redis:7.4 redisImagePullPolicy=Always\nbob\n", "class.txt", { redisImage: "localhost/redis:1" });
        assert.deepStrictEqual(probeImage(alice), { ref: "registry.example.com/redis:7.4", pullPolicy: "Always" });
        assert.deepStrictEqual(probeImage(bob), { ref: "localhost/redis:1", pullPolicy: "IfNotPresent" });
    });

    it("the script tries each target once, with a timeout, and prints one verdict line per target", () => {
        const script = probeScript([{ name: "redis", host: "redis.monsterstack-bob.svc", port: 6379 }, { name: "control", host: "frontend.monsterstack-bob.svc", port: 5000 }]);
        assert.match(script, /timeout 3 bash -c 'exec 3<>\/dev\/tcp\/redis\.monsterstack-bob\.svc\/6379'.*echo "redis open".*echo "redis closed"/);
        assert.match(script, /\/dev\/tcp\/frontend\.monsterstack-bob\.svc\/5000'.*"control open"/);
    });

    it("runs between the first two trainees that have the app and a kubeconfig", () => {
        const ok = (trainee: string, extra: { kubeconfigText?: string; frontendUrl?: string }) => ({ trainee, ...extra });
        assert.deepStrictEqual(probePair([ok("a", {}), ok("b", { kubeconfigText: "k", frontendUrl: "u" }), ok("c", { kubeconfigText: "k" }), ok("d", { kubeconfigText: "k", frontendUrl: "u" })])?.map((o) => o.trainee), ["b", "d"]);
        assert.strictEqual(probePair([ok("a", { kubeconfigText: "k", frontendUrl: "u" })]), undefined);
    });

    it("goes into the table and the --json record; the warning says what to do", () => {
        const outcome = { trainee: "ann", stack: "ann", namespace: "monsterstack-ann", status: "ok" as const, networkIsolation: "not enforced" as const };
        assert.match(table([outcome]), /ISOLATION +STATUS\nann .* not enforced +ok/);
        assert.strictEqual(jsonRecord(outcome, undefined).networkIsolation, "not enforced");
        assert.strictEqual(jsonRecord({ ...outcome, networkIsolation: undefined }, undefined).networkIsolation, null);
        assert.match(notEnforcedWarning("x"), /can reach each other's Redis.*CNI that does.*redisAuth=true/);
    });
});
