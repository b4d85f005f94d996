// The class roster: what the trainer writes, what each trainee's stack gets, and every bad
// line refused with its number before any stack is touched.
import * as assert from "assert";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { parseArgs } from "../../class/main";
import { CONFIG_KEYS } from "../../config";
import { namespaceClashes, parseAssignments, parseRoster, RosterError } from "../../class/roster";
import { pool } from "../../class/pool";
import { firstLine, isResourceDone, missingPassphrase, summary } from "../../class/stacks/traineeStack";

const ROSTER = `# Kubernetes course, November
alice
bob   reclaimPolicy=Retain   # keeps his data
carol frontendServiceType=ClusterIP context=PROD

Dave.2
`;

describe("the class roster", () => {
    it("one trainee per line, comments and blank lines ignored, overrides per trainee", () => {
        const trainees = parseRoster(ROSTER, "class.txt", {});
        assert.deepStrictEqual(trainees.map((t) => [t.line, t.stack, t.config]), [
            [2, "alice", {}],
            [3, "bob", { reclaimPolicy: "Retain" }],
            [4, "carol", { frontendServiceType: "ClusterIP", context: "PROD" }],
            [6, "Dave.2", {}],
        ]);
        assert.strictEqual(trainees[1].parsed.reclaimPolicy, "Retain");
        // Namespaces follow the program's own rule: Dave.2 still gets a valid, distinct one.
        assert.match(trainees[3].parsed.namespace, /^monsterstack-dave-2-[0-9a-f]{8}$/);
    });

    it("--config applies to everyone; the roster's overrides win", () => {
        const common = parseAssignments(["target=cloud", "monsterstack:reclaimPolicy=Delete"], (i) => i);
        assert.deepStrictEqual(common, { values: { target: "cloud", reclaimPolicy: "Delete" }, problems: [] });
        const [alice, bob] = parseRoster(ROSTER, "class.txt", common.values);
        assert.deepStrictEqual([alice.parsed.target, alice.parsed.reclaimPolicy], ["cloud", "Delete"]);
        assert.deepStrictEqual([bob.parsed.target, bob.parsed.reclaimPolicy], ["cloud", "Retain"]);
        assert.strictEqual(alice.parsed.tenancy, "on", "cloud's default");
    });

    it("refuses every bad line at once, each with its number and the program's own message", () => {
        const bad = [
            "alice",
            "b@d",                        // 2: invalid name
            "carol colour=blue",          // 3: unknown key
            "alice",                      // 4: duplicate
            "dave reclaimPolicy=retain",  // 5: the program's validation
            "erin Retain",                // 6: not key=value
            "frank redisStorageSize=2Go", // 7: the program's validation
        ].join("\n");
        assert.throws(() => parseRoster(bad, "class.txt", {}), (err: Error) => {
            assert.ok(err instanceof RosterError);
            assert.deepStrictEqual(err.problems.map((p) => p.split(":").slice(0, 2).join(":")), [
                "class.txt:2", "class.txt:3", "class.txt:4", "class.txt:5", "class.txt:6", "class.txt:7",
            ]);
            assert.match(err.problems[0], /"b@d" is not a valid stack name/);
            assert.match(err.problems[1], /unknown config key monsterstack:colour/);
            assert.match(err.problems[2], /trainee alice is already on line 1/);
            assert.match(err.problems[3], /monsterstack:reclaimPolicy = "retain" is not valid: expected one of Retain \| Delete/);
            assert.match(err.problems[4], /"Retain" is not key=value/);
            assert.match(err.problems[5], /"Go" is French/);
            return true;
        });
    });

    it("a bad --config value is refused with the program's message, naming each trainee's line", () => {
        assert.throws(() => parseRoster("alice\nbob\n", "class.txt", { frontendReplicas: "0" }),
            (err: RosterError) => err.problems.length === 2 && /^class\.txt:1: monsterstack:frontendReplicas = "0"/.test(err.problems[0]));
        assert.deepStrictEqual(parseAssignments(["nope=1"], (i) => `--config ${i}`).problems,
            [`--config nope=1: unknown config key monsterstack:nope: expected one of ${CONFIG_KEYS.join(", ")}`]);
    });

    it("a trainee whose namespace another trainee of the roster has fails alone, naming whose it is; the others are untouched", () => {
        const roster = ["alice", "bob", "carol namespace=monsterstack-bob", "dave namespace=lab", "erin namespace=lab", "frank"].join("\n");
        const clashes = namespaceClashes(parseRoster(roster, "class.txt", {}));
        assert.deepStrictEqual([...clashes.keys()], ["carol", "erin"]);
        assert.strictEqual(clashes.get("carol"), 'monsterstack:namespace = "monsterstack-bob" is trainee bob\'s (line 2): ' +
            "two stacks never share a namespace; give carol a namespace of its own, or none for monsterstack-carol");
        // Whatever the order: the trainee whose default it is keeps it.
        const reversed = namespaceClashes(parseRoster("carol namespace=monsterstack-bob\nbob\n", "class.txt", {}));
        assert.deepStrictEqual([...reversed.keys()], ["carol"]);
        assert.match(reversed.get("carol")!, /is trainee bob's \(line 2\)/);
        assert.deepStrictEqual(namespaceClashes(parseRoster(ROSTER, "class.txt", {})), new Map());
    });

    it("an empty roster is refused", () => {
        assert.throws(() => parseRoster("# nobody yet\n", "class.txt", {}), /no trainee/);
    });
});

describe("the class tool's command line and runner", () => {
    it("counts a resource done once per operation, not again for the refresh before it", () => {
        const outputs = (op: string) => ({ sequence: 1, timestamp: 0, resOutputsEvent: { metadata: { op, urn: "u", type: "t", provider: "", old: undefined, new: undefined } } }) as unknown as EngineEvent;
        assert.deepStrictEqual(["refresh", "delete", "create", "same", "update"].map((op) => isResourceDone(outputs(op))), [false, true, true, true, true]);
        assert.strictEqual(isResourceDone({ sequence: 1, timestamp: 0, resourcePreEvent: { metadata: { op: "create" } } } as unknown as EngineEvent), false);
    });

    it("refuses a self-managed backend without a passphrase before touching a stack, naming the variable", () => {
        const refusal = missingPassphrase("file://~", {});
        assert.match(refusal ?? "", /file:\/\/~ keeps each stack's secrets under a passphrase/);
        assert.match(refusal ?? "", /export PULUMI_CONFIG_PASSPHRASE \(or PULUMI_CONFIG_PASSPHRASE_FILE\)/);
        assert.ok(missingPassphrase("s3://bucket/class", {}));
        assert.strictEqual(missingPassphrase("file://~", { PULUMI_CONFIG_PASSPHRASE: "" }), undefined, "an empty passphrase is one");
        assert.strictEqual(missingPassphrase("file:///srv/state", { PULUMI_CONFIG_PASSPHRASE_FILE: "/root/pass" }), undefined);
        assert.strictEqual(missingPassphrase("https://api.pulumi.com", {}), undefined, "Pulumi Cloud keeps the secrets itself");
    });

    it("takes the relied-on interface", () => {
        const up = parseArgs(["up", "--roster", "class.txt", "--parallel", "3", "--config", "target=cloud", "--config", "tenancy=on", "--json"]);
        assert.deepStrictEqual([up.command, up.roster, up.parallel, up.config, up.json, up.out], ["up", "class.txt", 3, ["target=cloud", "tenancy=on"], true, "class-kubeconfigs"]);
        assert.strictEqual(parseArgs(["status", "--roster", "r"]).parallel, 4, "default --parallel");
        const down = parseArgs(["down", "--roster", "r", "--purge", "--yes"]);
        assert.deepStrictEqual([down.purge, down.yes], [true, true]);
    });

    it("runs at most N at once, every item once, results in roster order", async () => {
        let running = 0, most = 0;
        const results = await pool([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
            most = Math.max(most, ++running);
            await new Promise((r) => setTimeout(r, 5 * (8 - n)));
            running--;
            return n * 10;
        });
        assert.deepStrictEqual(results, [10, 20, 30, 40, 50, 60, 70]);
        assert.strictEqual(most, 3);
    });

    it("sums up a run by what changed; reads and refreshes change nothing", () => {
        assert.strictEqual(summary({ read: 1, same: 34 }), "34 unchanged");
        assert.strictEqual(summary({ create: 2, update: 1, same: 20, refresh: 23 }), "2 create, 1 update, 20 unchanged");
        assert.strictEqual(summary(undefined), "no change");
    });

    it("reports an error by its first meaningful line", () => {
        assert.strictEqual(firstLine(new Error("code: 255\nstdout: \nstderr: error: the cluster at https://x is unreachable\n")),
            "the cluster at https://x is unreachable");
    });
});
