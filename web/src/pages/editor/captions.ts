/**
 * Captions and the transcript on the client: the caption track's types, the four style presets
 * (the same numbers as src/flowai/editor/captions.py STYLES, so the preview draws what libass burns
 * into the export), which line and word show at a frame, and the transcript API calls.
 */
import type { CSSProperties } from "react";
import { api } from "../../api/client";
import type { JobSnapshot, Project } from "./editorApi";

const enc = encodeURIComponent;

export interface CaptionWord {
  text: string;
  start: number;
  end: number;
}

export interface CaptionLine {
  id: string;
  text: string;
  start: number;
  length: number;
  words?: CaptionWord[];
}

export const CAPTION_STYLES = ["classic", "boxed", "bold", "top"] as const;
export type CaptionStyleName = (typeof CAPTION_STYLES)[number];

export interface CaptionTrack {
  lines: CaptionLine[];
  style?: CaptionStyleName;
  karaoke?: boolean;
  hidden?: boolean;
}

interface CaptionStyle {
  font: string;
  bold: boolean;
  /** fractions of the canvas height, as on the server */
  size: number;
  color: string;
  highlight: string;
  outlineColor: string;
  outline: number;
  box: boolean;
  boxColor: string;
  position: "bottom" | "top";
  margin: number;
}

export const STYLES: Record<CaptionStyleName, CaptionStyle> = {
  classic: { font: "DejaVu Sans", bold: false, size: 0.065, color: "#ffffff", highlight: "#ffd400", outlineColor: "#000000", outline: 0.006, box: false, boxColor: "#00000000", position: "bottom", margin: 0.06 },
  boxed: { font: "DejaVu Sans", bold: false, size: 0.06, color: "#ffffff", highlight: "#4fc3ff", outlineColor: "#000000", outline: 0, box: true, boxColor: "#000000b0", position: "bottom", margin: 0.06 },
  bold: { font: "DejaVu Sans", bold: true, size: 0.085, color: "#ffe600", highlight: "#ffffff", outlineColor: "#000000", outline: 0.01, box: false, boxColor: "#00000000", position: "bottom", margin: 0.08 },
  top: { font: "DejaVu Serif", bold: false, size: 0.06, color: "#ffffff", highlight: "#ffd400", outlineColor: "#000000", outline: 0.005, box: false, boxColor: "#00000000", position: "top", margin: 0.05 },
};

export const STYLE_LABELS: Record<CaptionStyleName, string> = {
  classic: "Classic (white, outline)",
  boxed: "Boxed (dark box)",
  bold: "Bold (large yellow)",
  top: "Top (serif, at the top)",
};

/** The caption line on screen at a timeline frame. */
export function lineAt(track: CaptionTrack | null | undefined, frame: number): CaptionLine | null {
  if (!track || track.hidden) return null;
  return track.lines.find((l) => l.start <= frame && frame < l.start + l.length) ?? null;
}

/** Index of the karaoke word at `frame`: the last word that has started (as the server's events). */
export function highlightedWord(line: CaptionLine, frame: number): number | null {
  let current: number | null = null;
  (line.words ?? []).forEach((w, n) => {
    if (w.start <= frame) current = n;
  });
  return current;
}

function rgba(hex: string): string {
  if (hex.length === 9) {
    const n = (i: number) => parseInt(hex.slice(i, i + 2), 16);
    return `rgba(${n(1)}, ${n(3)}, ${n(5)}, ${(n(7) / 255).toFixed(3)})`;
  }
  return hex;
}

/** CSS for a caption of `style` on a canvas `width` x `height` (pixel sizes as in the ASS). */
export function captionCss(style: CaptionStyleName, width: number, height: number): { box: CSSProperties; text: CSSProperties; highlight: string } {
  const s = STYLES[style];
  const size = Math.max(8, Math.round(s.size * height));
  const outline = Math.round(s.outline * height);
  const margin = Math.round(s.margin * height);
  const pad = s.box ? Math.round(0.012 * height) : 0;
  const box: CSSProperties = {
    position: "absolute",
    left: margin,
    right: margin,
    textAlign: "center",
    [s.position === "bottom" ? "bottom" : "top"]: margin,
  };
  const text: CSSProperties = {
    display: "inline",
    fontFamily: s.font === "DejaVu Serif" ? '"DejaVu Serif", Georgia, serif' : '"DejaVu Sans", Verdana, sans-serif',
    fontWeight: s.bold ? 700 : 400,
    fontSize: size,
    lineHeight: 1.2,
    color: s.color,
    whiteSpace: "pre-wrap",
    boxDecorationBreak: "clone",
    WebkitBoxDecorationBreak: "clone",
    background: s.box ? rgba(s.boxColor) : "transparent",
    padding: s.box ? `0 ${pad}px` : 0,
    WebkitTextStroke: outline > 0 ? `${outline * 2}px ${s.outlineColor}` : undefined,
    paintOrder: "stroke fill",
  };
  void width;
  return { box, text, highlight: s.highlight };
}

// --- the transcript API --------------------------------------------------------------------------

export interface TimelineWord {
  text: string;
  start: number;
  end: number;
  probability: number;
  asset_id: string;
  clip_id: string;
  index: number;
}

export interface ProjectTranscript {
  fps: string;
  words: TimelineWord[];
  missing: string[];
}

export interface Finding {
  kind: "filler" | "repeat" | "pause";
  text: string;
  start: number;
  end: number;
}

export const getProjectTranscript = (projectId: string, signal?: AbortSignal) =>
  api.get<ProjectTranscript>(`/v1/projects/${enc(projectId)}/transcript`, { signal });
export const startTranscribe = (assetId: string) => api.post<JobSnapshot>(`/v1/assets/${enc(assetId)}/transcribe`, {});
export const getFillers = (projectId: string, pauseSeconds: number) =>
  api.get<{ fps: string; findings: Finding[] }>(`/v1/projects/${enc(projectId)}/fillers?pause_seconds=${pauseSeconds}`);
export const cutFrames = (projectId: string, cuts: { start: number; end: number }[], version: number) =>
  api.post<Project>(`/v1/projects/${enc(projectId)}/transcript/cut?version=${version}`, { cuts });
export const makeCaptions = (projectId: string, style: CaptionStyleName, karaoke: boolean, version: number) =>
  api.post<Project>(`/v1/projects/${enc(projectId)}/captions?version=${version}`, { style, karaoke });
export const captionFileUrl = (projectId: string, fmt: "srt" | "vtt" | "ass") => `/v1/projects/${enc(projectId)}/captions.${fmt}`;

/** Frame ranges to cut for a set of selected words: runs of neighbouring words become one range
 * from the first word's start to the last word's end (the pauses between them go too). */
export function selectionCuts(words: TimelineWord[], selected: Set<number>): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let run: { start: number; end: number } | null = null;
  words.forEach((w, n) => {
    if (selected.has(n)) {
      run = run ? { start: run.start, end: w.end } : { start: w.start, end: w.end };
    } else if (run) {
      out.push(run);
      run = null;
    }
  });
  if (run) out.push(run);
  return out;
}
