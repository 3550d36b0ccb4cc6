/** A min-heap of timed events; equal times come out in insertion order. */
export interface EventQueue<T> {
  push(time: number, item: T): void;
  pop(): { time: number; item: T } | undefined;
  peekTime(): number | undefined;
  readonly size: number;
}

/** Creates an empty binary-heap event queue. */
export function createEventQueue<T>(): EventQueue<T> {
  const heap: { time: number; seq: number; item: T }[] = [];
  let seq = 0;
  const less = (a: number, b: number): boolean =>
    heap[a]!.time < heap[b]!.time || (heap[a]!.time === heap[b]!.time && heap[a]!.seq < heap[b]!.seq);
  const swap = (a: number, b: number): void => { const t = heap[a]!; heap[a] = heap[b]!; heap[b] = t; };
  return {
    push(time, item) {
      heap.push({ time, seq: seq++, item });
      for (let i = heap.length - 1; i > 0;) {
        const p = (i - 1) >> 1;
        if (!less(i, p)) break;
        swap(i, p);
        i = p;
      }
    },
    pop() {
      if (heap.length === 0) return undefined;
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        for (let i = 0; ;) {
          const l = 2 * i + 1, r = l + 1;
          let m = i;
          if (l < heap.length && less(l, m)) m = l;
          if (r < heap.length && less(r, m)) m = r;
          if (m === i) break;
          swap(i, m);
          i = m;
        }
      }
      return { time: top.time, item: top.item };
    },
    peekTime: () => heap[0]?.time,
    get size() { return heap.length; },
  };
}
