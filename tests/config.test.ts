// Stack config: defaults per target, and every bad value refused before any resource exists.
import * as assert from "assert";
import { ConfigError, defaultNamespace, parseConfig } from "../config";
import { runProgram } from "../testing/harness";

describe("stack config", () => {
    describe("defaults", () => {
        it("minikube: standard class, NodePort, Delete, StatefulSet, 2Gi, no auth", () => {
            const c = parseConfig({}, "alice");
            assert.strictEqual(c.target, "minikube");
            assert.strictEqual(c.storageClass, "standard");
            assert.strictEqual(c.frontendServiceType, "NodePort");
            assert.strictEqual(c.reclaimPolicy, "Delete");
            assert.strictEqual(c.redisKind, "StatefulSet");
            assert.strictEqual(c.redisStorageSize, "2Gi");
            assert.strictEqual(c.redisAuth, false);
            assert.strictEqual(c.context, "DEV");
            assert.strictEqual(c.namespace, "monsterstack-alice");
            assert.strictEqual(c.renderYamlTo, undefined);
            assert.strictEqual(c.frontendPort, 5000);
            assert.deepStrictEqual(c.frontendProbe, { kind: "tcp" });
            assert.strictEqual(c.podSecurity, "restricted");
            for (const image of [c.frontendImage, c.imagebackendImage, c.redisImage]) assert.strictEqual(image.pullPolicy, "IfNotPresent");
        });

        it("cloud: the cluster's default class and a LoadBalancer", () => {
            const c = parseConfig({ target: "cloud" }, "alice");
            assert.strictEqual(c.storageClass, undefined);
            assert.strictEqual(c.frontendServiceType, "LoadBalancer");
        });

        it("takes the values Pulumi.yaml's typed keys deliver (numbers and booleans as strings, lists as JSON)", () => {
            const c = parseConfig({
                redisAuth: "true", frontendReplicas: "3", imagebackendReplicas: "2",
                tlsHosts: '["monster.example.com"]', frontendNodePort: "30080", storageClass: "fast-ssd",
            }, "alice");
            assert.strictEqual(c.redisAuth, true);
            assert.strictEqual(c.frontendReplicas, 3);
            assert.strictEqual(c.imagebackendReplicas, 2);
            assert.deepStrictEqual(c.tlsHosts, ["monster.example.com"]);
            assert.strictEqual(c.frontendNodePort, 30080);
            assert.strictEqual(c.storageClass, "fast-ssd");
        });
    });

    it("reads Pulumi.yaml's unset markers (\"\" and nodePort 0) as not configured", () => {
        const c = parseConfig({
            storageClass: "", frontendServiceType: "", frontendNodePort: "0", namespace: "",
            kubeContext: "", kubeconfig: "", renderYamlTo: "", frontendProbePath: "", attachVolume: "",
        }, "alice");
        assert.deepStrictEqual(c, parseConfig({}, "alice"));
        assert.strictEqual(parseConfig({ target: "cloud", storageClass: "" }, "alice").storageClass, undefined);
    });

    describe("derived namespaces", () => {
        it("is monsterstack-<stack> for a plain stack name", () => {
            assert.strictEqual(defaultNamespace("bob"), "monsterstack-bob");
        });
        it("stays a valid, distinct label for names a namespace cannot hold", () => {
            const names = ["Alice", "alice", "alice_2", "alice.2", "a".repeat(100), "a".repeat(101)];
            const namespaces = names.map(defaultNamespace);
            for (const ns of namespaces) {
                assert.match(ns, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
                assert.ok(ns.length <= 63, ns);
            }
            assert.strictEqual(new Set(namespaces).size, names.length, namespaces.join(" "));
        });
    });

    // Each bad value, and the words the message must contain: the key, the value, what is allowed.
    const badValues: Array<[string, string, RegExp]> = [
        ["target", "aws", /minikube \| cloud/],
        ["reclaimPolicy", "retain", /Retain \| Delete/],
        ["reclaimPolicy", "Recycle", /Retain \| Delete/],
        ["redisKind", "ReplicaSet", /StatefulSet \| Deployment/],
        ["frontendServiceType", "Ingress", /ClusterIP \| NodePort \| LoadBalancer/],
        ["redisStorageSize", "2Go", /Gi/],
        ["redisStorageSize", "0Gi", /positive/],
        ["redisStorageSize", "-1Gi", /quantity/],
        ["redisStorageSize", "lots", /quantity/],
        ["redisMemory", "64Mi", /from 128Mi to 1Gi/],
        ["redisMemory", "2Gi", /from 128Mi to 1Gi/],
        ["redisMemory", "256Mo", /memory quantity/],
        ["namespace", "Alice", /DNS-1123 label/],
        ["namespace", "team_a", /DNS-1123 label/],
        ["namespace", "-ns", /DNS-1123 label/],
        ["storageClass", "Fast SSD", /StorageClass/],
        ["frontendReplicas", "-1", /whole number from 1 to 10/],
        ["frontendReplicas", "abc", /whole number from 1 to 10/],
        ["frontendReplicas", "1.5", /whole number from 1 to 10/],
        ["imagebackendReplicas", "0", /whole number from 1 to 10/],
        ["frontendNodePort", "80", /30000 to 32767/],
        ["redisAuth", "yes", /true or false/],
        ["tlsHosts", "monster.example.com", /JSON list/],
        ["tlsHosts", '["Not A Host"]', /DNS names/],
        ["frontendImage", "Bad Image!", /image reference/],
        ["context", "two words", /DEV or PROD/],
        ["renderYamlTo", "  ", /non-empty/],
        ["frontendPort", "0", /whole number from 1 to 65535/],
        ["frontendPort", "70000", /whole number from 1 to 65535/],
        ["frontendPort", "http", /whole number from 1 to 65535/],
        ["frontendProbePath", "/", /counts a visit/],
        ["frontendProbePath", "healthz", /absolute URL path/],
        ["frontendProbePath", "/health z", /absolute URL path/],
        ["frontendImagePullPolicy", "never", /IfNotPresent \| Never \| Always/],
        ["redisImagePullPolicy", "Sometimes", /IfNotPresent \| Never \| Always/],
        ["imagebackendImagePullPolicy", "", /IfNotPresent \| Never \| Always/],
        ["podSecurity", "privileged", /restricted \| baseline/],
        ["podSecurity", "Restricted", /restricted \| baseline/],
        ["startEmpty", "yes", /true or false/],
        ["attachVolume", "PVC_1", /name of a PersistentVolume/],
    ];

    for (const [key, value, allowed] of badValues) {
        it(`refuses ${key}=${JSON.stringify(value)} naming the key, the value and what is allowed`, () => {
            assert.throws(() => parseConfig({ [key]: value }, "alice"), (err: Error) => {
                assert.ok(err instanceof ConfigError, `${err}`);
                assert.ok(err.message.includes(`monsterstack:${key}`), err.message);
                assert.ok(err.message.includes(JSON.stringify(value)), err.message);
                assert.match(err.message, allowed);
                return true;
            });
        });
    }

    it("refuses a nodePort on a ClusterIP Service", () => {
        assert.throws(() => parseConfig({ frontendServiceType: "ClusterIP", frontendNodePort: "30080" }, "alice"),
            /monsterstack:frontendNodePort .*NodePort or LoadBalancer/);
    });

    it("takes startEmpty and attachVolume, but not both at once", () => {
        assert.strictEqual(parseConfig({ startEmpty: "true" }, "alice").startEmpty, true);
        assert.strictEqual(parseConfig({ attachVolume: "pvc-0a1b" }, "alice").attachVolume, "pvc-0a1b");
        assert.throws(() => parseConfig({ startEmpty: "true", attachVolume: "pvc-0a1b" }, "alice"),
            /monsterstack:attachVolume = "pvc-0a1b" is not valid: it cannot be set together with startEmpty true/);
    });

    it("refuses a misspelt key, listing the keys it knows", () => {
        assert.throws(() => parseConfig({ reclaimpolicy: "Retain" }, "alice"),
            /unknown config key monsterstack:reclaimpolicy: expected one of .*reclaimPolicy/);
    });

    it("the program registers nothing when the config is bad", async () => {
        await assert.rejects(runProgram("alice", { redisStorageSize: "2Go" }), (err: Error & { registeredBeforeError?: number }) => {
            assert.ok(err instanceof ConfigError, `${err}`);
            assert.match(err.message, /monsterstack:redisStorageSize = "2Go"/);
            assert.strictEqual(err.registeredBeforeError, 0);
            return true;
        });
    });
});
