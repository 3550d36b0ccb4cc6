import type { SimJob } from "../sim/types.js";

/** A first-in-first-out list of jobs with O(1) push, peek and shift. */
export class JobFifo {
  private items: SimJob[] = [];
  private head = 0;
  push(job: SimJob): void { this.items.push(job); }
  peek(): SimJob | undefined { return this.items[this.head]; }
  shift(): SimJob | undefined {
    const job = this.items[this.head];
    if (job === undefined) return undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) { this.items = this.items.slice(this.head); this.head = 0; }
    return job;
  }
  get length(): number { return this.items.length - this.head; }
}

/** Per-key FIFO lists, created on first use. */
export function fifoOf<K>(map: Map<K, JobFifo>, key: K): JobFifo {
  let q = map.get(key);
  if (!q) { q = new JobFifo(); map.set(key, q); }
  return q;
}
