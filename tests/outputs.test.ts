// Stack outputs: how to reach the app, where the data lives, and no secret in plain text.
import * as assert from "assert";
import { runProgram } from "../testing/harness";

describe("stack outputs", () => {
    it("on minikube: namespace, the `minikube service` command, the claim and the policy", async () => {
        const run = await runProgram("alice");
        assert.strictEqual(run.outputs.namespaceName, "monsterstack-alice");
        assert.strictEqual(run.outputs.frontendUrl, "minikube service frontend -n monsterstack-alice --url");
        assert.strictEqual(run.outputs.dataClaim, "monsterstack-alice/redis-data");
        assert.strictEqual(run.outputs.reclaimPolicy, "Delete");
        assert.strictEqual(run.outputs.redisKind, "StatefulSet");
    });

    it("on cloud: the load balancer's address", async () => {
        const run = await runProgram("alice", { target: "cloud" });
        assert.strictEqual(run.outputs.frontendUrl, "http://203.0.113.10:5000");
    });

    it("with a ClusterIP Service: the port-forward command", async () => {
        const run = await runProgram("alice", { frontendServiceType: "ClusterIP" });
        assert.match(String(run.outputs.frontendUrl), /^kubectl port-forward -n monsterstack-alice service\/frontend 5000:5000/);
    });

    it("publishes the certificate (public) and the Redis password only as a Pulumi secret", async () => {
        const run = await runProgram("alice", { redisAuth: "true" });
        assert.match(String(run.outputs.tlsCertificatePem), /BEGIN CERTIFICATE/);
        assert.ok(!run.secretOutputs.includes("tlsCertificatePem"));
        assert.deepStrictEqual(run.secretOutputs, ["redisPassword"]);
        const plain = Object.entries(run.outputs).filter(([k]) => !run.secretOutputs.includes(k)).map(([, v]) => JSON.stringify(v)).join("\n");
        assert.ok(!plain.includes("PRIVATE KEY"), "the private key leaked into a plain output");
        assert.ok(!plain.includes("mock-password"), "the password leaked into a plain output");
    });
});
