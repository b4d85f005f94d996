// The NetworkPolicy evaluator the tenancy tests trust (testing/networkPolicyEvaluator.ts), held
// to the examples of https://kubernetes.io/docs/concepts/services-networking/network-policies/
// and to the API reference's field comments. Every case states both what is admitted and what
// is not, so an evaluator that admits too much, or too little, fails here first.
import * as assert from "assert";
import { admits, Cluster, ipBlockContains, NetworkPolicy, Pod, selectorMatches, Source, validatePolicy, verdict } from "../../testing/networkPolicyEvaluator";

/** Asserts each connection's verdict, naming the one that is wrong. */
function expect(cluster: Cluster, to: Pod, cases: Array<[from: Source, port: number | string, admitted: boolean, protocol?: "TCP" | "UDP" | "SCTP"]>): void {
    for (const [from, port, admitted, protocol] of cases) {
        const got = verdict(cluster, from, to, port, protocol);
        assert.strictEqual(got.admitted, admitted, `${JSON.stringify(from)} → ${JSON.stringify(to.labels)}:${port}/${protocol ?? "TCP"}: ${got.reason}`);
    }
}

const external = (ip: string): Source => ({ kind: "external", ip });

// The concept page's "test-network-policy", as written there.
const TEST_NETWORK_POLICY: NetworkPolicy = {
    metadata: { name: "test-network-policy", namespace: "default" },
    spec: {
        podSelector: { matchLabels: { role: "db" } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{
            from: [
                { ipBlock: { cidr: "172.17.0.0/16", except: ["172.17.1.0/24"] } },
                { namespaceSelector: { matchLabels: { project: "myproject" } } },
                { podSelector: { matchLabels: { role: "frontend" } } },
            ],
            ports: [{ protocol: "TCP", port: 6379 }],
        }],
        egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/24" } }], ports: [{ protocol: "TCP", port: 5978 }] }],
    },
};

describe("NetworkPolicy evaluator", () => {
    describe("the docs' test-network-policy", () => {
        const cluster: Cluster = {
            policies: [TEST_NETWORK_POLICY],
            namespaces: [{ name: "default" }, { name: "team-a", labels: { project: "myproject" } }, { name: "myproject" }],
        };
        const db: Pod = { namespace: "default", labels: { role: "db" } };

        it("admits, on TCP 6379, role=frontend pods of default, any pod of a project=myproject namespace, and 172.17.0.0/16 but 172.17.1.0/24", () => {
            expect(cluster, db, [
                [{ namespace: "default", labels: { role: "frontend" } }, 6379, true],
                [{ namespace: "team-a", labels: {} }, 6379, true],
                [{ namespace: "team-a", labels: { role: "anything" } }, 6379, true],
                [external("172.17.0.0"), 6379, true], [external("172.17.0.255"), 6379, true],
                [external("172.17.2.0"), 6379, true], [external("172.17.255.255"), 6379, true],
            ]);
        });

        it("refuses the rest: the except range, outside the block, a frontend elsewhere, a namespace merely named myproject, other ports and UDP", () => {
            expect(cluster, db, [
                [external("172.17.1.0"), 6379, false], [external("172.17.1.255"), 6379, false],
                [external("172.16.255.255"), 6379, false], [external("172.18.0.0"), 6379, false],
                [{ namespace: "other", labels: { role: "frontend" } }, 6379, false],
                [{ namespace: "default", labels: { role: "backend" } }, 6379, false],
                // Namespaces are selected by labels, and this one lacks project=myproject.
                [{ namespace: "myproject", labels: { role: "frontend" } }, 6379, false],
                [{ namespace: "default", labels: { role: "frontend" } }, 6380, false],
                [{ namespace: "default", labels: { role: "frontend" } }, 6379, false, "UDP"],
            ]);
        });

        it("isolates only the pods it selects, in its own namespace: others take anything", () => {
            expect(cluster, { namespace: "default", labels: { role: "web" } }, [[external("198.51.100.1"), 22, true]]);
            expect(cluster, { namespace: "team-a", labels: { role: "db" } }, [[external("198.51.100.1"), 22, true]]);
        });

        it("matches a pod's own address against ipBlock too, so an except range refuses a pod there", () => {
            const inExcept = { namespace: "other", labels: {}, ip: "172.17.1.9" };
            const inBlock = { namespace: "other", labels: {}, ip: "172.17.3.9" };
            expect(cluster, db, [[inBlock, 6379, true], [inExcept, 6379, false]]);
        });
    });

    describe("namespaceSelector and podSelector: one peer (and) or two peers (or)", () => {
        const namespaces = [{ name: "local" }, { name: "alices", labels: { user: "alice" } }, { name: "third" }];
        const to: Pod = { namespace: "local", labels: { app: "server" } };
        const policy = (from: NetworkPolicy["spec"]["ingress"]) => ({ policies: [{ metadata: { name: "p", namespace: "local" }, spec: { podSelector: { matchLabels: { app: "server" } }, policyTypes: ["Ingress" as const], ingress: from } }], namespaces });
        const clientInAlices = { namespace: "alices", labels: { role: "client" } };
        const otherInAlices = { namespace: "alices", labels: { role: "db" } };
        const clientHere = { namespace: "local", labels: { role: "client" } };
        const clientInThird = { namespace: "third", labels: { role: "client" } };

        it("one element: role=client pods in user=alice namespaces, and nothing else", () => {
            const and = policy([{ from: [{ namespaceSelector: { matchLabels: { user: "alice" } }, podSelector: { matchLabels: { role: "client" } } }] }]);
            expect(and, to, [[clientInAlices, 80, true], [otherInAlices, 80, false], [clientHere, 80, false], [clientInThird, 80, false]]);
        });

        it("two elements: role=client pods of the local namespace, or any pod of a user=alice namespace", () => {
            const or = policy([{ from: [{ namespaceSelector: { matchLabels: { user: "alice" } } }, { podSelector: { matchLabels: { role: "client" } } }] }]);
            expect(or, to, [[clientInAlices, 80, true], [otherInAlices, 80, true], [clientHere, 80, true], [clientInThird, 80, false]]);
        });

        it("an empty namespaceSelector is every namespace, the empty podSelector beside it every pod there", () => {
            const anyClient = policy([{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { role: "client" } } }] }]);
            expect(anyClient, to, [[clientInThird, 80, true], [clientHere, 80, true], [otherInAlices, 80, false], [external("192.0.2.1"), 80, false]]);
            const everyPod = policy([{ from: [{ namespaceSelector: {}, podSelector: {} }] }]);
            expect(everyPod, to, [[clientInThird, 80, true], [otherInAlices, 80, true], [external("192.0.2.1"), 80, false]]);
            // An empty podSelector alone: every pod of the policy's namespace only.
            const localPods = policy([{ from: [{ podSelector: {} }] }]);
            expect(localPods, to, [[clientHere, 80, true], [clientInThird, 80, false]]);
        });

        it("every namespace carries kubernetes.io/metadata.name, which no one can set to something else", () => {
            const byName = policy([{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "third" } } }] }]);
            expect(byName, to, [[clientInThird, 80, true], [clientInAlices, 80, false]]);
            const spoofed = { ...byName, namespaces: [...namespaces, { name: "evil", labels: { "kubernetes.io/metadata.name": "third" } }] };
            expect(spoofed, to, [[{ namespace: "evil", labels: {} }, 80, false]]);
        });
    });

    describe("default policies", () => {
        const denyAll: NetworkPolicy = { metadata: { name: "default-deny-ingress", namespace: "default" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } };
        const allowAll: NetworkPolicy = { metadata: { name: "allow-all-ingress", namespace: "default" }, spec: { podSelector: {}, ingress: [{}], policyTypes: ["Ingress"] } };
        const pod: Pod = { namespace: "default", labels: { app: "web" } };
        const neighbour = { namespace: "default", labels: { app: "client" } };

        it("no policy: every pod takes everything", () => {
            expect({ policies: [] }, pod, [[external("192.0.2.1"), 22, true], [neighbour, 80, true, "UDP"]]);
        });

        it("default deny: an empty podSelector and no ingress rule refuse everyone, the namespace's own pods too", () => {
            expect({ policies: [denyAll] }, pod, [[external("192.0.2.1"), 80, false], [neighbour, 80, false], [{ namespace: "elsewhere", labels: {} }, 80, false]]);
            // `ingress: []` is the same as no ingress: nothing admitted.
            expect({ policies: [{ ...denyAll, spec: { ...denyAll.spec, ingress: [] } }] }, pod, [[neighbour, 80, false]]);
        });

        it("allow all: one empty rule admits every source on every port and protocol, whatever else isolates the pod", () => {
            expect({ policies: [denyAll, allowAll] }, pod, [[external("192.0.2.1"), 22, true], [neighbour, 53, true, "UDP"], [{ namespace: "elsewhere", labels: {} }, 9999, true, "SCTP"]]);
        });

        it("an empty from or ports list is the same as a missing one: all sources, all ports (not none)", () => {
            const emptyLists: NetworkPolicy = { metadata: { name: "empty-lists", namespace: "default" }, spec: { podSelector: {}, ingress: [{ from: [], ports: [] }] } };
            expect({ policies: [emptyLists] }, pod, [[external("192.0.2.1"), 22, true], [neighbour, 53, true, "UDP"]]);
        });

        it("policyTypes: when missing, Ingress; a policy with only egress rules still isolates ingress; an Egress-only one does not", () => {
            const noTypes: NetworkPolicy = { metadata: { name: "no-types", namespace: "default" }, spec: { podSelector: {}, egress: [{}] } };
            expect({ policies: [noTypes] }, pod, [[neighbour, 80, false]]);
            const egressOnly: NetworkPolicy = { metadata: { name: "egress-only", namespace: "default" }, spec: { podSelector: {}, policyTypes: ["Egress"] } };
            expect({ policies: [egressOnly] }, pod, [[neighbour, 80, true]]);
        });

        it("policies add up: each admits its own sources, and a policy of another namespace isolates nothing here", () => {
            const fromClient: NetworkPolicy = { metadata: { name: "from-client", namespace: "default" }, spec: { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "client" } } }] }] } };
            const fromLb: NetworkPolicy = { metadata: { name: "from-lb", namespace: "default" }, spec: { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ ipBlock: { cidr: "203.0.113.0/24" } }] }] } };
            expect({ policies: [fromClient, fromLb] }, pod, [[neighbour, 80, true], [external("203.0.113.5"), 80, true], [external("192.0.2.1"), 80, false]]);
            const elsewhere: NetworkPolicy = { ...denyAll, metadata: { name: "deny", namespace: "elsewhere" } };
            expect({ policies: [elsewhere] }, pod, [[external("192.0.2.1"), 80, true]]);
        });

        it("a pod always reaches itself, and its own node reaches it; another node only through an ipBlock", () => {
            const self: Pod = { namespace: "default", name: "web-0", labels: { app: "web" }, node: "node-a" };
            expect({ policies: [denyAll] }, self, [
                [{ namespace: "default", name: "web-0", labels: { app: "web" } }, 80, true],
                [{ namespace: "default", name: "web-1", labels: { app: "web" } }, 80, false],
                [{ kind: "node", name: "node-a" }, 80, true],
                [{ kind: "node", name: "node-b", ip: "10.0.0.2" }, 80, false],
            ]);
            const fromNodes: NetworkPolicy = { metadata: { name: "from-nodes", namespace: "default" }, spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/24" } }] }] } };
            expect({ policies: [denyAll, fromNodes] }, self, [[{ kind: "node", name: "node-b", ip: "10.0.0.2" }, 80, true]]);
        });
    });

    describe("ports", () => {
        const to: Pod = { namespace: "default", labels: { app: "web" }, ports: [{ name: "http", containerPort: 8080 }, { name: "metrics", containerPort: 9090 }, { name: "dns", containerPort: 53, protocol: "UDP" }] };
        const from = external("192.0.2.1");
        const policyWith = (ports: NetworkPolicy["spec"]["ingress"]) => ({ policies: [{ metadata: { name: "p", namespace: "default" }, spec: { podSelector: {}, ingress: ports } }] });

        it("a named port is the destination container's port of that name and protocol", () => {
            const http = policyWith([{ ports: [{ port: "http" }] }]);
            expect(http, to, [[from, 8080, true], [from, "http", true], [from, 9090, false], [from, "metrics", false], [from, 8080, false, "UDP"]]);
            // A pod without a port of that name is not reached through it, whatever the number.
            expect(http, { ...to, ports: [{ name: "web", containerPort: 8080 }] }, [[from, 8080, false]]);
            // The policy's protocol (TCP by default) and the container port's must both match.
            expect(policyWith([{ ports: [{ port: "dns" }] }]), to, [[from, 53, false, "UDP"], [from, 53, false]]);
            expect(policyWith([{ ports: [{ port: "dns", protocol: "UDP" }] }]), to, [[from, 53, true, "UDP"], [from, "dns", true, "UDP"]]);
        });

        it("endPort: port to endPort inclusive (the docs' 32000-32768)", () => {
            const range = policyWith([{ ports: [{ protocol: "TCP", port: 32000, endPort: 32768 }] }]);
            expect(range, to, [[from, 32000, true], [from, 32500, true], [from, 32768, true], [from, 31999, false], [from, 32769, false], [from, 32500, false, "UDP"]]);
        });

        it("a port entry without port is every port of its protocol; the protocol defaults to TCP", () => {
            expect(policyWith([{ ports: [{ protocol: "UDP" }] }]), to, [[from, 53, true, "UDP"], [from, 7777, true, "UDP"], [from, 53, false]]);
            expect(policyWith([{ ports: [{ port: 8080 }] }]), to, [[from, 8080, true], [from, 8080, false, "UDP"], [from, 8080, false, "SCTP"]]);
        });

        it("a rule needs both its ports and its from: the port of one rule does not combine with the source of another", () => {
            const split = policyWith([{ from: [{ ipBlock: { cidr: "192.0.2.0/24" } }], ports: [{ port: 8080 }] }, { from: [{ ipBlock: { cidr: "198.51.100.0/24" } }], ports: [{ port: 9090 }] }]);
            expect(split, to, [[from, 8080, true], [from, 9090, false], [external("198.51.100.1"), 9090, true], [external("198.51.100.1"), 8080, false]]);
        });
    });

    describe("label selectors and addresses", () => {
        it("matchLabels and matchExpressions all hold; NotIn and DoesNotExist take labels that lack the key", () => {
            const selector = { matchLabels: { tier: "db" }, matchExpressions: [{ key: "env", operator: "In" as const, values: ["prod", "staging"] }] };
            assert.ok(selectorMatches(selector, { tier: "db", env: "prod" }));
            assert.ok(!selectorMatches(selector, { tier: "db", env: "dev" }));
            assert.ok(!selectorMatches(selector, { tier: "web", env: "prod" }));
            assert.ok(!selectorMatches(selector, { tier: "db" }));
            assert.ok(selectorMatches({ matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] }, {}));
            assert.ok(!selectorMatches({ matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] }, { env: "prod" }));
            assert.ok(selectorMatches({ matchExpressions: [{ key: "env", operator: "Exists" }] }, { env: "" }));
            assert.ok(!selectorMatches({ matchExpressions: [{ key: "env", operator: "Exists" }] }, {}));
            assert.ok(selectorMatches({ matchExpressions: [{ key: "env", operator: "DoesNotExist" }] }, { other: "x" }));
            assert.ok(!selectorMatches({ matchExpressions: [{ key: "env", operator: "DoesNotExist" }] }, { env: "prod" }));
            assert.ok(selectorMatches({}, { anything: "x" }) && selectorMatches({}, {}));
            // An empty value is a value: it matches an empty label, not a missing one.
            assert.ok(selectorMatches({ matchLabels: { env: "" } }, { env: "" }) && !selectorMatches({ matchLabels: { env: "" } }, {}));
        });

        it("ipBlock in IPv4 and IPv6, with except; families never match each other", () => {
            assert.ok(ipBlockContains({ cidr: "10.1.0.0/16" }, "10.1.255.255"));
            assert.ok(!ipBlockContains({ cidr: "10.1.0.0/16" }, "10.2.0.0"));
            assert.ok(ipBlockContains({ cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] }, "8.8.8.8"));
            assert.ok(!ipBlockContains({ cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] }, "10.9.9.9"));
            assert.ok(ipBlockContains({ cidr: "192.168.1.7/32" }, "192.168.1.7") && !ipBlockContains({ cidr: "192.168.1.7/32" }, "192.168.1.8"));
            const v6 = { cidr: "2001:db8::/32", except: ["2001:db8:1::/48"] };
            assert.ok(ipBlockContains(v6, "2001:db8::1") && ipBlockContains(v6, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
            assert.ok(!ipBlockContains(v6, "2001:db8:1::5") && !ipBlockContains(v6, "2001:db9::1"));
            assert.ok(ipBlockContains({ cidr: "::ffff:0:0/96" }, "::ffff:192.0.2.1"));
            assert.ok(!ipBlockContains({ cidr: "0.0.0.0/0" }, "::1") && !ipBlockContains({ cidr: "::/0" }, "127.0.0.1"));
        });
    });

    it("refuses, as the API server would, a policy that could not exist", () => {
        const with_ = (ingress: NetworkPolicy["spec"]["ingress"]): NetworkPolicy => ({ metadata: { name: "bad", namespace: "default" }, spec: { podSelector: {}, ingress } });
        assert.throws(() => validatePolicy(with_([{ from: [{}] }])), /from\[0\]: must specify a peer/);
        assert.throws(() => validatePolicy(with_([{ from: [{ ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} }] }])), /may not specify both ipBlock and another peer/);
        assert.throws(() => validatePolicy(with_([{ from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["11.0.0.0/16"] } }] }])), /except\[0\]: must be a strict subset of `cidr`/);
        assert.throws(() => validatePolicy(with_([{ from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.0.0.0/8"] } }] }])), /must be a strict subset/);
        assert.throws(() => validatePolicy(with_([{ ports: [{ port: "http", endPort: 90 }] }])), /may not be specified when `port` is non-numeric/);
        assert.throws(() => validatePolicy(with_([{ ports: [{ endPort: 90 }] }])), /may not be specified when `port` is not specified/);
        assert.throws(() => validatePolicy(with_([{ ports: [{ port: 90, endPort: 80 }] }])), /greater than or equal to `port`/);
        assert.throws(() => validatePolicy(with_([{ from: [{ podSelector: { matchExpressions: [{ key: "a", operator: "In", values: [] }] } }] }])), /must be specified when `operator` is 'In'/);
        assert.throws(() => admits({ policies: [with_([{ from: [{}] }])] }, external("192.0.2.1"), { namespace: "default" }, 80), /must specify a peer/);
        validatePolicy(TEST_NETWORK_POLICY);
    });
});
