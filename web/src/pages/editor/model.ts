/**
 * The timeline document (mirrors src/flowai/editor/timeline.py) and pure helpers on it.
 *
 * Every position is an integer frame at the canvas rate; a video clip's source_in/source_out
 * count frames of its asset at the asset's own rate (sample and hold where the rates differ).
 */

import type { CaptionTrack } from "./captions";

export interface Canvas {
  width: number;
  height: number;
  /** "30000/1001", "30/1", "25". */
  fps: string;
  background?: string;
}

interface Placement {
  x?: number | null;
  y?: number | null;
  opacity?: number;
}

export interface VideoClip extends Placement {
  type?: "video";
  id: string;
  asset_id: string;
  source_in: number;
  source_out: number;
  start: number;
  scale?: number;
  volume?: number;
  fade_in?: number;
  fade_out?: number;
}

export interface Transition {
  type?: "crossfade" | "dissolve";
  from_clip: string;
  to_clip: string;
  length: number;
}

export interface VideoTrack {
  id: string;
  clips: VideoClip[];
  transitions: Transition[];
  hidden?: boolean;
}

export interface AudioClip {
  type?: "audio" | "narration";
  id: string;
  asset_id: string;
  /** Offset into the asset in canvas frames. */
  source_in: number;
  start: number;
  length: number;
  volume?: number;
  fade_in?: number;
  fade_out?: number;
  voice_id?: string | null;
  script?: string | null;
}

export interface AudioTrack {
  id: string;
  clips: AudioClip[];
  volume?: number;
  muted?: boolean;
}

export const FONTS = ["DejaVu Sans", "DejaVu Sans Bold", "DejaVu Serif", "DejaVu Serif Bold", "DejaVu Sans Mono"] as const;
export type FontName = (typeof FONTS)[number];

export interface TextOverlay extends Placement {
  type: "text";
  id: string;
  text: string;
  font?: FontName;
  size?: number;
  color?: string;
  box?: boolean;
  box_color?: string;
  box_padding?: number;
  start: number;
  length: number;
}

export interface ImageOverlay extends Placement {
  type: "image";
  id: string;
  asset_id: string;
  scale?: number;
  start: number;
  length: number;
  fade_in?: number;
  fade_out?: number;
}

export type Overlay = TextOverlay | ImageOverlay;

export interface Timeline {
  version: 1;
  canvas: Canvas;
  video_tracks: VideoTrack[];
  audio_tracks: AudioTrack[];
  overlays: Overlay[];
  /** Captions over everything (captions.ts); null or absent: none. */
  captions?: CaptionTrack | null;
}

/** What the editor needs to know about an asset to place and size its clips. */
export interface AssetFacts {
  kind: "video" | "audio" | "image" | (string & {});
  /** Asset rate as a ratio string; "0/1" for audio, "1/1" for images. */
  fps: string;
  frames: number;
  duration_us: number;
}

export type AssetTable = Record<string, AssetFacts>;

export interface Rate {
  num: number;
  den: number;
}

export function parseRate(value: string): Rate {
  const [n, d] = value.split("/");
  const num = Number(n);
  const den = d === undefined ? 1 : Number(d);
  if (!Number.isFinite(num) || !Number.isFinite(den) || num <= 0 || den <= 0) return { num: 30, den: 1 };
  return { num, den };
}

export const rateValue = (r: Rate) => r.num / r.den;

/** Timeline frames a video clip lasts: ceil(n * canvas / asset) for n source frames. */
export function videoClipLength(clip: VideoClip, asset: AssetFacts | undefined, canvas: Rate): number {
  const n = clip.source_out - clip.source_in;
  if (!asset) return n;
  const a = parseRate(asset.fps);
  return Math.ceil((n * canvas.num * a.den) / (canvas.den * a.num) - 1e-9);
}

/** Source frames (at the asset rate) that `frames` timeline frames cover, rounded down. */
export function sourceFramesFor(frames: number, asset: AssetFacts | undefined, canvas: Rate): number {
  if (!asset) return frames;
  const a = parseRate(asset.fps);
  return Math.floor((frames * a.num * canvas.den) / (a.den * canvas.num) + 1e-9);
}

/** The asset's whole length in canvas frames (audio clips count their source in canvas frames). */
export function assetCanvasFrames(asset: AssetFacts | undefined, canvas: Rate): number {
  if (!asset) return Number.MAX_SAFE_INTEGER;
  return Math.floor((asset.duration_us * canvas.num) / (1_000_000 * canvas.den) + 1e-9);
}

export interface Span {
  start: number;
  end: number;
}

/** The span of any item of the timeline, by id. */
export function itemSpans(tl: Timeline, assets: AssetTable): Map<string, Span> {
  const rate = parseRate(tl.canvas.fps);
  const out = new Map<string, Span>();
  for (const t of tl.video_tracks)
    for (const c of t.clips) out.set(c.id, { start: c.start, end: c.start + videoClipLength(c, assets[c.asset_id], rate) });
  for (const t of tl.audio_tracks) for (const c of t.clips) out.set(c.id, { start: c.start, end: c.start + c.length });
  for (const o of tl.overlays) out.set(o.id, { start: o.start, end: o.start + o.length });
  return out;
}

export function timelineDuration(tl: Timeline, assets: AssetTable): number {
  let end = 0;
  for (const s of itemSpans(tl, assets).values()) end = Math.max(end, s.end);
  return end;
}

/** "HH:MM:SS:FF" at the canvas rate (non-drop-frame, nominal rate rounded up). */
export function timecode(frame: number, fps: string): string {
  const r = parseRate(fps);
  const nominal = Math.max(1, Math.round(rateValue(r)));
  const f = Math.max(0, Math.floor(frame));
  const ff = f % nominal;
  const totalSeconds = Math.floor(f / nominal);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(totalSeconds / 3600))}:${pad(Math.floor(totalSeconds / 60) % 60)}:${pad(totalSeconds % 60)}:${pad(ff)}`;
}

/** Seconds shown to people (durations in the media bin). */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, seconds);
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(1).padStart(4, "0")}`;
}

export const EMPTY_TIMELINE: Timeline = {
  version: 1,
  canvas: { width: 1920, height: 1080, fps: "30", background: "#000000" },
  video_tracks: [{ id: "v1", clips: [], transitions: [] }],
  audio_tracks: [{ id: "a1", clips: [] }],
  overlays: [],
};

/** Make sure the editor's standard tracks exist (v1, v2 video; a1 audio; n1 narration). */
export function withStandardTracks(tl: Timeline): Timeline {
  const video = [...tl.video_tracks];
  if (video.length === 0) video.push({ id: "v1", clips: [], transitions: [] });
  const audio = [...tl.audio_tracks];
  if (audio.length === 0) audio.push({ id: "a1", clips: [] });
  if (!audio.some((t) => t.id === "n1")) audio.push({ id: "n1", clips: [] });
  return { ...tl, video_tracks: video.map((t) => ({ ...t, transitions: t.transitions ?? [] })), audio_tracks: audio };
}

/** A fresh id not used in the timeline, e.g. "c7". */
export function freshId(tl: Timeline, prefix: string): string {
  const used = new Set<string>();
  for (const t of tl.video_tracks) {
    used.add(t.id);
    for (const c of t.clips) used.add(c.id);
  }
  for (const t of tl.audio_tracks) {
    used.add(t.id);
    for (const c of t.clips) used.add(c.id);
  }
  for (const o of tl.overlays) used.add(o.id);
  let n = 1;
  while (used.has(`${prefix}${n}`)) n += 1;
  return `${prefix}${n}`;
}

export type ItemRef =
  | { kind: "video"; track: number; index: number; clip: VideoClip }
  | { kind: "audio"; track: number; index: number; clip: AudioClip }
  | { kind: "overlay"; index: number; overlay: Overlay };

export function findItem(tl: Timeline, id: string): ItemRef | null {
  for (let t = 0; t < tl.video_tracks.length; t++) {
    const i = tl.video_tracks[t].clips.findIndex((c) => c.id === id);
    if (i >= 0) return { kind: "video", track: t, index: i, clip: tl.video_tracks[t].clips[i] };
  }
  for (let t = 0; t < tl.audio_tracks.length; t++) {
    const i = tl.audio_tracks[t].clips.findIndex((c) => c.id === id);
    if (i >= 0) return { kind: "audio", track: t, index: i, clip: tl.audio_tracks[t].clips[i] };
  }
  const o = tl.overlays.findIndex((x) => x.id === id);
  if (o >= 0) return { kind: "overlay", index: o, overlay: tl.overlays[o] };
  return null;
}

/** A track is valid when its clips overlap only where a transition joins them by exactly its length. */
export function videoTrackValid(track: VideoTrack, assets: AssetTable, canvas: Rate): boolean {
  const spans = track.clips
    .map((c) => ({ id: c.id, start: c.start, end: c.start + videoClipLength(c, assets[c.asset_id], canvas) }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const joins = new Map(track.transitions.map((t) => [`${t.from_clip}>${t.to_clip}`, t.length]));
  const byId = new Map(spans.map((s) => [s.id, s]));
  for (const t of track.transitions) {
    const a = byId.get(t.from_clip);
    const b = byId.get(t.to_clip);
    if (!a || !b || b.start !== a.end - t.length || t.length <= 0) return false;
    if (t.length > Math.min(a.end - a.start, b.end - b.start)) return false;
  }
  for (let i = 0; i < spans.length; i++) {
    if (spans[i].end <= spans[i].start || spans[i].start < 0) return false;
    for (let j = i + 1; j < spans.length; j++) {
      if (spans[j].start >= spans[i].end) break;
      const overlap = Math.min(spans[i].end, spans[j].end) - spans[j].start;
      if (joins.get(`${spans[i].id}>${spans[j].id}`) !== overlap) return false;
    }
  }
  return true;
}

export function audioTrackValid(track: AudioTrack): boolean {
  const spans = [...track.clips].sort((a, b) => a.start - b.start);
  for (let i = 0; i < spans.length; i++) {
    if (spans[i].length <= 0 || spans[i].start < 0 || spans[i].source_in < 0) return false;
    if (i > 0 && spans[i].start < spans[i - 1].start + spans[i - 1].length) return false;
  }
  return true;
}

/** The nearest snap point within `threshold` frames of `frame`, or null. */
export function nearestSnap(frame: number, points: readonly number[], threshold: number): number | null {
  let best: number | null = null;
  for (const p of points) {
    const d = Math.abs(p - frame);
    if (d <= threshold && (best === null || d < Math.abs(best - frame))) best = p;
  }
  return best;
}

/** Every clip and overlay edge except those of `exclude`, plus 0 and the playhead. */
export function snapPoints(tl: Timeline, assets: AssetTable, playhead: number, exclude: string | null): number[] {
  const pts = new Set<number>([0, playhead]);
  for (const [id, s] of itemSpans(tl, assets)) {
    if (id === exclude) continue;
    pts.add(s.start);
    pts.add(s.end);
  }
  return [...pts];
}
