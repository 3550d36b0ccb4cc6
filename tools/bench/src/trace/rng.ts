// The workload generator's seeded PRNG serves the benchmark too: one implementation of mulberry32.
export { mulberry32 as createRng, type Random as Rng } from "@switchyard/gitlab-sim";
