import type { FetchProgress } from "./fetch-history.js";

/** Where progress goes: a terminal gets one redrawn line, anything else one line per finished project. */
export interface ProgressSink {
  write(text: string): void;
  isTTY: boolean;
}

const WIDTH = 24;

/**
 * A progress bar over the projects read, with the running job and page count of the current one:
 * GitLab's jobs list has no total (it is not counted), so within a project only counts can be shown.
 */
export function createProgressBar(sink: ProgressSink): { update(e: FetchProgress): void; end(): void } {
  let drawn = false;
  return {
    update(e) {
      if (e.kind === "projects") {
        sink.write(`reading the job history of ${e.total} project${e.total === 1 ? "" : "s"}\n`);
        return;
      }
      const finished = e.index + (e.done ? 1 : 0);
      const filled = Math.round((WIDTH * finished) / Math.max(1, e.total));
      const line = `[${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${finished}/${e.total} projects · ${e.project}: ${e.jobs.toLocaleString("en")} jobs, ${e.pages} page${e.pages === 1 ? "" : "s"}`;
      if (sink.isTTY) { sink.write(`\r\x1b[2K${line}`); drawn = true; }
      else if (e.done) sink.write(`${line}\n`);
    },
    end() { if (drawn) { sink.write("\n"); drawn = false; } },
  };
}
