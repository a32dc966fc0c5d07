/** Latency statistics, the profile aggregation and the onnxruntime_perf_test line: pure functions. */
import { strict as assert } from 'node:assert';
import { aggregateProfile } from '../../server/src/bench/profile';
import { perfTestCommand, roofline } from '../../server/src/bench/report';
import { histogram, latencyStats, meanConfidence, percentileConfidence, percentileSorted } from '../../server/src/bench/stats';

describe('bench statistics', () => {
  it('uses nearest-rank percentiles of observed values, ordered min <= p50 <= p99 <= max', () => {
    const sample = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
    const s = latencyStats(sample);
    assert.deepEqual([s.min, s.p50, s.p90, s.p95, s.p99, s.max], [1, 50, 90, 95, 99, 100]);
    assert.equal(s.mean, 50.5);
    assert.equal(percentileSorted([3], 99), 3);
    assert.ok(Number.isNaN(latencyStats([]).p50));
  });

  it('gives confidence intervals only when the sample can bound them', () => {
    const sample = Array.from({ length: 200 }, (_, i) => 10 + (i % 7) * 0.1);
    const ci = meanConfidence(sample)!;
    const s = latencyStats(sample);
    assert.ok(ci.low < s.mean && s.mean < ci.high);
    const p50 = percentileConfidence(sample, 50)!;
    assert.ok(p50.low <= s.p50 && s.p50 <= p50.high);
    assert.equal(percentileConfidence(sample.slice(0, 20), 99), null);
    assert.equal(meanConfidence([1]), null);
  });

  it('puts every sample in a histogram bucket', () => {
    const sample = [1, 1, 2, 3, 5, 8, 13, 21, 34, 55];
    const h = histogram(sample);
    assert.equal(h.counts.reduce((a, b) => a + b, 0), sample.length);
    assert.deepEqual([h.min, h.max], [1, 55]);
    assert.deepEqual(histogram([4, 4, 4]).counts.reduce((a, b) => a + b, 0), 3);
  });

  it('aggregates a chrome-trace profile by node over the recorded runs, skipping the warm-up run', () => {
    const run = (ts: number) => ({ cat: 'Session', name: 'model_run', ts, dur: 100 });
    const node = (ts: number, name: string, dur: number) => ({ cat: 'Node', name: `${name}_kernel_time`, ts, dur, args: { op_name: 'Conv', provider: 'CPUExecutionProvider' } });
    const trace = [run(0), node(10, 'conv', 999), run(1000), node(1010, 'conv', 60), node(1080, 'relu', 20), run(2000), node(2010, 'conv', 70), node(2080, 'relu', 10)];
    const a = aggregateProfile(trace, 1);
    assert.equal(a.runs, 2);
    assert.deepEqual(a.nodes.map((n) => [n.name, n.calls, n.totalUs]), [['conv', 2, 130], ['relu', 2, 30]]);
    assert.throws(() => aggregateProfile({}), /not a chrome-trace JSON array/);
  });

  it('writes the equivalent onnxruntime_perf_test command line', () => {
    const cmd = perfTestCommand('/m/my model.onnx', { iterations: 50, intraOpThreads: 4, spinning: false, graphOptimization: 'disabled' }, { provider: 'cpu', dims: [{ key: 'batch', value: 8, from: 'user' }, { key: 'x[1]', value: 3, from: 'default' }] });
    assert.equal(cmd, "onnxruntime_perf_test -I -s -e cpu -m times -r 50 -x 4 -D -o 0 -f batch:8 '/m/my model.onnx'");
  });

  it('places a model on the roofline', () => {
    const cal = { peakGflops: 100, peakGBps: 10, method: '', threads: 1, measuredAt: new Date().toISOString(), machine: 'm' };
    const r = roofline({ flops: 2e9, bytes: 1e8, uncostedNodes: 0 }, 40, cal)!;
    assert.equal(r.achievedGflops, 50);
    assert.equal(r.computePercent, 50);
    assert.equal(r.achievedGBps, 2.5);
    assert.equal(r.bound, 'compute');
    assert.equal(roofline({ flops: 1e6, bytes: 1e8, uncostedNodes: 0 }, 1, cal)!.bound, 'memory');
    assert.equal(roofline({ flops: 0, bytes: 1, uncostedNodes: 1 }, 1, cal), null);
  });
});
