import { describe, expect, it } from "vitest";
import { parseMetrics, readHostMetrics, readRunnerMetrics } from "../src/prometheus-scrape.js";

const RUNNER = `# HELP gitlab_runner_jobs The current number of running builds.
# TYPE gitlab_runner_jobs gauge
gitlab_runner_jobs{executor_stage="docker_run",runner="xY_1",runner_name="a",stage="step_script",state="running",system_id="s_1"} 2
gitlab_runner_jobs{executor_stage="prepare_executor",runner="zZ_2",runner_name="b",stage="prepare_executor",state="running",system_id="s_1"} 1
# HELP gitlab_runner_limit The maximum number of jobs this runner can handle
# TYPE gitlab_runner_limit gauge
gitlab_runner_limit{runner="xY_1",runner_name="a",system_id="s_1"} 3
gitlab_runner_limit{runner="zZ_2",runner_name="b",system_id="s_1"} 2
# TYPE gitlab_runner_concurrent gauge
gitlab_runner_concurrent 4
# TYPE gitlab_runner_errors_total counter
gitlab_runner_errors_total{level="error"} 7
gitlab_runner_errors_total{level="warning"} 2
# TYPE gitlab_runner_job_duration_seconds histogram
gitlab_runner_job_duration_seconds_bucket{runner="xY_1",le="30"} 1
gitlab_runner_job_duration_seconds_bucket{runner="xY_1",le="+Inf"} 3
gitlab_runner_job_duration_seconds_sum{runner="xY_1"} 100
gitlab_runner_job_duration_seconds_count{runner="xY_1"} 3
`;

const NODE = `# TYPE node_filesystem_avail_bytes gauge
node_filesystem_avail_bytes{device="/dev/nvme0n1p1",fstype="ext4",mountpoint="/"} 2.5e+10
node_filesystem_avail_bytes{device="/dev/nvme1n1",fstype="xfs",mountpoint="/var/lib/docker"} 1e+09
# TYPE node_filesystem_size_bytes gauge
node_filesystem_size_bytes{device="/dev/nvme0n1p1",fstype="ext4",mountpoint="/"} 1e+11
node_filesystem_size_bytes{device="/dev/nvme1n1",fstype="xfs",mountpoint="/var/lib/docker"} 1e+12
`;

describe("gitlab-runner and node_exporter metrics", () => {
  it("sums running jobs across states and stages, and limits across [[runners]] entries", () => {
    expect(readRunnerMetrics(parseMetrics(RUNNER))).toEqual({ running: 3, limit: 5, concurrent: 4, errorsTotal: 9 });
  });

  it("reads the root filesystem's used ratio and ignores other mountpoints", () => {
    const host = readHostMetrics(parseMetrics(NODE));
    expect(host.diskUsedRatio).toBeCloseTo(0.75, 6);
    expect(host.diskSizeBytes).toBe(1e11);
  });

  it("reports absent metrics as null rather than zero", () => {
    expect(readRunnerMetrics(parseMetrics("# TYPE up gauge\nup 1\n"))).toEqual({ running: null, limit: null, concurrent: null, errorsTotal: null });
    expect(readHostMetrics(parseMetrics(RUNNER)).diskUsedRatio).toBeNull();
  });
});
