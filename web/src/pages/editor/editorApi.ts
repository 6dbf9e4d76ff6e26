/** The editor's calls (assets, projects, Magic Cut, exports, job events). */
import { ApiError, CSRF_HEADER, type Problem, api, csrfToken } from "../../api/client";
import { getCapabilities } from "../../api/endpoints";
import type { Page } from "../../api/types";
import type { Timeline } from "./model";

const enc = encodeURIComponent;

export interface Asset {
  id: string;
  kind: "video" | "audio" | "image" | (string & {});
  filename: string;
  content_type: string;
  size: number;
  fps: string;
  frames: number;
  duration_us: number;
  width: number;
  height: number;
  video_codec: string | null;
  audio_codec: string | null;
  audio_channels: number;
  audio_rate: number;
  download_url: string;
  proxy_url: string | null;
  thumbnails_url: string | null;
  waveform_url: string | null;
  jobs: Record<string, string>;
  created_at: string;
}

export interface ProjectSummary {
  id: string;
  name: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface Project extends ProjectSummary {
  timeline: Timeline;
}

export interface JobSnapshot {
  id: string;
  kind?: string;
  status: string;
  progress: number;
  stage: string | null;
  error: string | null;
  result?: Record<string, unknown> | null;
}

export interface ExportOut {
  id: string;
  project_id: string;
  project_version: number;
  preset: string;
  quality: string;
  status: string;
  job_id: string | null;
  frames: number | null;
  size: number | null;
  error: string | null;
  download_url: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface MagicCutResult {
  speech: [number, number][];
  silences: [number, number][];
  scenes: number[];
  fps?: string;
}

export const EXPORT_PRESETS = ["720p", "1080p", "4k", "canvas"] as const;
export const EXPORT_QUALITIES = ["draft", "standard", "high", "lossless"] as const;

export const listProjects = (signal?: AbortSignal) => api.get<Page<ProjectSummary>>("/v1/projects?limit=100", { signal });
export const createProject = (name: string) => api.post<Project>("/v1/projects", { name });
export const getProject = (id: string, signal?: AbortSignal) => api.get<Project>(`/v1/projects/${enc(id)}`, { signal });
export const deleteProject = (id: string) => api.delete(`/v1/projects/${enc(id)}`);
export const listAssets = (signal?: AbortSignal) => api.get<Page<Asset>>("/v1/assets?limit=100", { signal });
export const getAsset = (id: string, signal?: AbortSignal) => api.get<Asset>(`/v1/assets/${enc(id)}`, { signal });
export const getJob = (id: string, signal?: AbortSignal) => api.get<JobSnapshot>(`/v1/jobs/${enc(id)}`, { signal });
export const startMagicCut = (assetId: string) =>
  api.post<JobSnapshot>(`/v1/assets/${enc(assetId)}/magic-cut`, { scenes: "scdet" });
export const startExport = (projectId: string, preset: string, quality: string) =>
  api.post<ExportOut>(`/v1/projects/${enc(projectId)}/exports`, { preset, quality });
export const getExport = (id: string) => api.get<ExportOut>(`/v1/exports/${enc(id)}`);
export const interchangeUrl = (projectId: string, fmt: "otio" | "fcpxml") => `/v1/projects/${enc(projectId)}/export.${fmt}`;

/** PUT the timeline with If-Match: a stale version answers 409 (ApiError), the new project on success. */
export async function saveTimeline(projectId: string, timeline: Timeline, version: number): Promise<Project> {
  const token = await csrfToken();
  const response = await fetch(`/v1/projects/${enc(projectId)}/timeline`, {
    method: "PUT",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, application/problem+json",
      "If-Match": `"${version}"`,
      [CSRF_HEADER]: token,
    },
    body: JSON.stringify(timeline),
  });
  if (response.ok) return (await response.json()) as Project;
  let problem: Problem = {};
  try {
    problem = (await response.json()) as Problem;
  } catch {
    /* status alone */
  }
  throw new ApiError({ status: response.status, problem, requestId: response.headers.get("X-Request-ID") });
}

/**
 * Can this caller narrate (voice feature on, engine configured, `voice:write` held), and do they
 * have a cloned voice? Read from GET /v1/capabilities: no request that is meant to fail.
 */
export async function narrationCapabilities(): Promise<{ tts: boolean; cloned: boolean }> {
  try {
    const caps = await getCapabilities();
    return { tts: caps.voice.tts, cloned: caps.voice.cloned };
  } catch {
    return { tts: false, cloned: false };
  }
}

export interface Narration {
  id: string;
  status: string;
  job_id: string | null;
  download_url: string | null;
  seconds: number | null;
  error: string | null;
}

/** POST /v1/tts (voice feature): `voice` is "me" (the user's clone) or "default". */
export const requestTts = (body: { text: string; voice: string }) => api.post<Narration>("/v1/tts", { ...body, format: "wav" });
export const getNarration = (id: string) => api.get<Narration>(`/v1/tts/${enc(id)}`);

/**
 * Upload a file as the raw body with XHR (fetch has no upload progress).
 * `onProgress` gets 0..1; the promise resolves with the asset or rejects with an ApiError.
 */
export function uploadAsset(file: File, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<Asset> {
  return csrfToken().then(
    (token) =>
      new Promise<Asset>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open("POST", `/v1/assets?filename=${enc(file.name)}`);
        xhr.withCredentials = true;
        xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
        xhr.setRequestHeader("Accept", "application/json, application/problem+json");
        xhr.setRequestHeader(CSRF_HEADER, token);
        xhr.upload.onprogress = (e) => {
          if (e.lengthComputable) onProgress(e.loaded / e.total);
        };
        xhr.onload = () => {
          let body: unknown = null;
          try {
            body = JSON.parse(xhr.responseText);
          } catch {
            /* not JSON */
          }
          if (xhr.status >= 200 && xhr.status < 300) resolve(body as Asset);
          else reject(new ApiError({ status: xhr.status, problem: (body as Problem) ?? {} }));
        };
        xhr.onerror = () => reject(new ApiError({ status: 0, problem: {} }));
        xhr.onabort = () => reject(new DOMException("aborted", "AbortError"));
        signal?.addEventListener("abort", () => xhr.abort());
        xhr.send(file);
      }),
  );
}

/**
 * Follow a job over Server-Sent Events (GET /v1/jobs/{id}/events) until it ends; falls back to
 * polling if the stream breaks. Returns a function that stops following.
 */
export function followJob(jobId: string, onUpdate: (job: JobSnapshot) => void): () => void {
  let stopped = false;
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const terminal = (s: string) => ["succeeded", "failed", "cancelled"].includes(s);
  const poll = async () => {
    if (stopped) return;
    try {
      const job = await getJob(jobId);
      onUpdate(job);
      if (terminal(job.status)) return;
    } catch {
      /* try again */
    }
    timer = setTimeout(poll, 1000);
  };
  if (typeof EventSource !== "undefined") {
    source = new EventSource(`/v1/jobs/${enc(jobId)}/events`, { withCredentials: true });
    const handle = (e: MessageEvent) => {
      try {
        const job = JSON.parse(e.data) as JobSnapshot;
        onUpdate(job);
        if (terminal(job.status)) source?.close();
      } catch {
        /* ignore a broken event */
      }
    };
    source.addEventListener("progress", handle as EventListener);
    source.addEventListener("done", handle as EventListener);
    source.onerror = () => {
      if (source && source.readyState === EventSource.CLOSED) return;
      source?.close();
      void poll();
    };
  } else void poll();
  return () => {
    stopped = true;
    source?.close();
    if (timer) clearTimeout(timer);
  };
}

/** Wait for a job to end (SSE, polling fallback). */
export function waitForJob(jobId: string, onUpdate?: (job: JobSnapshot) => void): Promise<JobSnapshot> {
  return new Promise((resolve) => {
    const stop = followJob(jobId, (job) => {
      onUpdate?.(job);
      if (["succeeded", "failed", "cancelled"].includes(job.status)) {
        stop();
        resolve(job);
      }
    });
  });
}

/** BBC audiowaveform JSON (version 2, 8-bit) → peak magnitudes 0..1, `buckets` of them. */
export function peaksFromWaveform(data: { data?: number[]; channels?: number }, buckets: number): number[] {
  const raw = data.data ?? [];
  const pairs = Math.floor(raw.length / 2 / Math.max(1, data.channels ?? 1));
  if (pairs === 0) return [];
  const out: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * pairs) / buckets);
    const hi = Math.max(lo + 1, Math.floor(((b + 1) * pairs) / buckets));
    let peak = 0;
    for (let i = lo; i < hi && i < pairs; i++) peak = Math.max(peak, Math.abs(raw[2 * i]), Math.abs(raw[2 * i + 1]));
    out.push(Math.min(1, peak / 127));
  }
  return out;
}
