import type { GitLabState } from "./gitlab-state.js";
import type { JobSpecInput, JobStateChange } from "./model.js";

/** A pipeline to run stage by stage; `common` fields apply to every job (project, ref, source...). */
export interface PipelineSpec {
  common: Omit<JobSpecInput, "name" | "stage">;
  stages: { name: string; jobs: Omit<JobSpecInput, "stage">[] }[];
}

/** Pipeline progress as the simulator tracks it. */
export interface PipelineView {
  id: number;
  status: "running" | "success" | "failed" | "canceled";
  stageIndex: number;
  jobIds: number[];
}

/** Runs pipelines like GitLab stages: the next stage is queued when every job of the current one succeeded. */
export interface PipelineRunner {
  enqueuePipeline(spec: PipelineSpec): number;
  pipeline(id: number): PipelineView | undefined;
  pipelines(): PipelineView[];
  close(): void;
}

interface Tracked { view: PipelineView; spec: PipelineSpec; open: Set<number> }

/** Creates a pipeline runner on top of the state's job events. */
export function createPipelineRunner(state: GitLabState): PipelineRunner {
  const tracked = new Map<number, Tracked>();

  const enqueueStage = (p: Tracked) => {
    const stage = p.spec.stages[p.view.stageIndex];
    if (!stage || stage.jobs.length === 0) { p.view.status = "success"; return; }
    for (const job of stage.jobs) {
      const id = state.enqueueJob({ ...p.spec.common, ...job, stage: stage.name, pipelineId: p.view.id }, p.view.id);
      p.open.add(id);
      p.view.jobIds.push(id);
    }
  };

  const onJob = (change: JobStateChange) => {
    const p = tracked.get(change.pipelineId);
    if (!p || !p.open.has(change.id) || p.view.status !== "running") return;
    if (change.to === "pending" || change.to === "running" || change.to === "canceling") return;
    p.open.delete(change.id);
    const allowFailure = state.jobRecord(change.id)?.spec.allowFailure ?? false;
    if (change.to === "canceled") { p.view.status = "canceled"; return; }
    if (change.to === "failed" && !allowFailure) { p.view.status = "failed"; return; }
    if (p.open.size > 0) return;
    p.view.stageIndex++;
    if (p.view.stageIndex >= p.spec.stages.length) p.view.status = "success";
    else enqueueStage(p);
  };
  state.events.on("job", onJob);

  return {
    enqueuePipeline(spec) {
      const id = state.nextPipelineId();
      const p: Tracked = { view: { id, status: "running", stageIndex: 0, jobIds: [] }, spec, open: new Set() };
      tracked.set(id, p);
      enqueueStage(p);
      return id;
    },
    pipeline: (id) => tracked.get(id)?.view,
    pipelines: () => [...tracked.values()].map((p) => p.view),
    close: () => { state.events.off("job", onJob); },
  };
}
