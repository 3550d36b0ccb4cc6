/** Upper bounds of gitlab-runner's job duration histogram, seconds. */
export const JOB_DURATION_BUCKETS = [30, 60, 300, 600, 1800, 3600, 7200, 10800, 18000, 36000] as const;

/** Counters a simulated runner keeps, rendered in gitlab-runner's and node_exporter's metric names. */
export interface RunnerMetricsSnapshot {
  runnerId: string;
  systemId: string;
  limit: number;
  running: number;
  jobsTotal: number;
  failedJobsTotal: number;
  errorsTotal: number;
  durations: number[];
  diskSizeBytes: number;
  diskUsedRatio: number;
}

const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** Prometheus text exposition (0.0.4) for one simulated runner host. Labels carry the runner id, never a token. */
export function renderRunnerMetrics(m: RunnerMetricsSnapshot): string {
  const base = `runner="${esc(m.runnerId)}",runner_name="${esc(m.runnerId)}",system_id="${esc(m.systemId)}"`;
  const lines = [
    "# HELP gitlab_runner_jobs The current number of running builds.",
    "# TYPE gitlab_runner_jobs gauge",
    `gitlab_runner_jobs{${base},state="running",stage="",executor_stage=""} ${m.running}`,
    "# HELP gitlab_runner_limit The maximum number of jobs that can be handled by this runner.",
    "# TYPE gitlab_runner_limit gauge",
    `gitlab_runner_limit{${base}} ${m.limit}`,
    "# HELP gitlab_runner_concurrent The current value of concurrent setting",
    "# TYPE gitlab_runner_concurrent gauge",
    `gitlab_runner_concurrent ${m.limit}`,
    "# HELP gitlab_runner_jobs_total Total jobs executed",
    "# TYPE gitlab_runner_jobs_total counter",
    `gitlab_runner_jobs_total{${base}} ${m.jobsTotal}`,
    "# HELP gitlab_runner_failed_jobs_total Total number of failed jobs",
    "# TYPE gitlab_runner_failed_jobs_total counter",
    `gitlab_runner_failed_jobs_total{${base},failure_reason="script_failure"} ${m.failedJobsTotal}`,
    "# HELP gitlab_runner_errors_total The number of caught errors.",
    "# TYPE gitlab_runner_errors_total counter",
    `gitlab_runner_errors_total{level="error"} ${m.errorsTotal}`,
    `gitlab_runner_errors_total{level="warning"} 0`,
    "# HELP gitlab_runner_job_duration_seconds Histogram of job durations",
    "# TYPE gitlab_runner_job_duration_seconds histogram",
  ];
  for (const le of JOB_DURATION_BUCKETS) {
    lines.push(`gitlab_runner_job_duration_seconds_bucket{${base},le="${le}"} ${m.durations.filter((d) => d <= le).length}`);
  }
  lines.push(
    `gitlab_runner_job_duration_seconds_bucket{${base},le="+Inf"} ${m.durations.length}`,
    `gitlab_runner_job_duration_seconds_sum{${base}} ${m.durations.reduce((a, b) => a + b, 0)}`,
    `gitlab_runner_job_duration_seconds_count{${base}} ${m.durations.length}`,
  );
  const fs = `device="/dev/sda1",fstype="ext4",mountpoint="/"`;
  const avail = Math.round(m.diskSizeBytes * (1 - Math.min(1, Math.max(0, m.diskUsedRatio))));
  lines.push(
    "# HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.",
    "# TYPE node_filesystem_avail_bytes gauge",
    `node_filesystem_avail_bytes{${fs}} ${avail}`,
    "# HELP node_filesystem_size_bytes Filesystem size in bytes.",
    "# TYPE node_filesystem_size_bytes gauge",
    `node_filesystem_size_bytes{${fs}} ${m.diskSizeBytes}`,
  );
  return `${lines.join("\n")}\n`;
}
