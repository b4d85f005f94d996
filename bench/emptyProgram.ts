// Baseline for the benchmark: a Pulumi program that registers nothing.
export {};
