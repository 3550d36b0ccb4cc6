/** Short human duration: 42s, 3m 05s, 2h 10m. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Seconds as the dashboard shows SLI estimates: 0.8s, 42s, 5m 00s, "> 1h". */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return "–";
  if (!Number.isFinite(seconds)) return "> 1h";
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  return formatDuration(seconds * 1000);
}

/** Wall-clock time of an epoch ms, UTC, HH:MM:SS. */
export function formatClock(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(11, 19);
}

/** A ratio as a whole percentage clamped to 0..100 (for bar widths). */
export function percent(ratio: number): number {
  if (!Number.isFinite(ratio)) return 0;
  return Math.round(Math.min(1, Math.max(0, ratio)) * 100);
}
