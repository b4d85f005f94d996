import * as assert from "assert";
import { kubeObjects, runProgram } from "./harness";
describe("smoke", () => {
    it("runs", async () => {
        const run = await runProgram("alice", {});
        for (const o of kubeObjects(run)) console.log(o.kind, o.metadata.name, o.retainOnDelete, o.secretInputs);
        console.log(run.resources.filter(r => !r.type.startsWith("kubernetes")).map(r => `${r.type} ${r.name} ${r.read}`));
        console.log(run.outputs, run.secretOutputs);
        assert.ok(run.resources.length > 0);
    });
});
