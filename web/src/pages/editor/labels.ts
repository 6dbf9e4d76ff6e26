/** What people read for timeline items: file names (numbered when a file is used twice), seconds. */
import { type Timeline, parseRate } from "./model";

/**
 * A label per clip and overlay id: the file name for clips ("talk.mp4", "talk.mp4 (2)" for the
 * second clip of that file, in timeline order), "Narration", or `Text “…”`. Unique across the
 * timeline, so each item's accessible name is unique.
 */
export function itemLabels(tl: Timeline, filenameOf: (assetId: string) => string | undefined): Map<string, string> {
  const entries: [string, string, number][] = [];
  for (const t of tl.video_tracks) for (const c of t.clips) entries.push([c.id, filenameOf(c.asset_id) ?? "Clip", c.start]);
  for (const t of tl.audio_tracks)
    for (const c of t.clips) entries.push([c.id, c.type === "narration" ? "Narration" : (filenameOf(c.asset_id) ?? "Audio"), c.start]);
  for (const o of tl.overlays)
    entries.push([o.id, o.type === "text" ? `Text “${o.text.slice(0, 24)}”` : `Image ${filenameOf(o.asset_id) ?? ""}`.trim(), o.start]);
  entries.sort((a, b) => a[2] - b[2] || a[0].localeCompare(b[0]));
  const seen = new Map<string, number>();
  const out = new Map<string, string>();
  for (const [id, base] of entries) {
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    out.set(id, n === 1 ? base : `${base} (${n})`);
  }
  return out;
}

/** Frames at the timeline rate → seconds, e.g. 15 frames at 30 fps → 0.5. */
export function framesToSeconds(frames: number, fps: string): number {
  const r = parseRate(fps);
  return (frames * r.den) / r.num;
}

/** Seconds → whole frames at the timeline rate (rounded to the nearest frame). */
export function secondsToFrames(seconds: number, fps: string): number {
  const r = parseRate(fps);
  return Math.round((seconds * r.num) / r.den);
}

/** "0.5 s", "2.47 s": at most two decimals, no trailing zeros. */
export function formatSeconds(frames: number, fps: string): string {
  return `${Number(framesToSeconds(frames, fps).toFixed(2))} s`;
}
