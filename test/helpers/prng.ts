// Tests and benchmarks draw from the same seeded PRNG as the benchmark runner's inputs.
export { seededRandom } from '../../server/src/prng';
