import { ApiError, api, CSRF_HEADER, csrfToken, type Problem } from "../../api/client";

export type VoiceStatus = "none" | "processing" | "ready" | "failed";

export interface Quality {
  similarity: number;
  base_similarity: number;
  wer: number;
  sentences: string[];
  transcript: string;
}

export interface Clone {
  id: string;
  status: string;
  engine: string;
  voice_id: string | null;
  job_id: string | null;
  report: { duration_s?: number; speech_s?: number; snr_db?: number; clipped_fraction?: number; speakers?: number };
  quality: Quality | null;
  error: string | null;
  error_code: string | null;
  created_at: string;
  ready_at: string | null;
  /** While processing: the clone job's progress (0–100) and stage; else null. */
  progress?: number | null;
  stage?: string | null;
}

export interface Voice {
  status: VoiceStatus;
  voice_id: string | null;
  engine: string;
  clone: Clone | null;
  last_attempt: Clone | null;
}

export interface Job {
  id: string;
  status: string;
  progress: number;
  stage: string;
  error: string | null;
}

export interface Narration {
  id: string;
  status: string;
  voice: string;
  job_id: string | null;
  download_url: string | null;
  wer: number | null;
  wer_passed: boolean | null;
  attempts: number;
  error: string | null;
}

export const getVoice = (signal?: AbortSignal) => api.get<Voice>("/v1/voice", { signal });
export const getJob = (id: string, signal?: AbortSignal) => api.get<Job>(`/v1/jobs/${encodeURIComponent(id)}`, { signal });
export const getNarration = (id: string) => api.get<Narration>(`/v1/tts/${encodeURIComponent(id)}`);
export const deleteVoice = () => api.delete("/v1/voice");

/** The clone job's stages in order (the server's `stage` names), after the upload itself. */
export const CLONE_STAGES = ["checking the recording", "building your voice", "checking quality", "saving"] as const;

/**
 * Upload a sample (raw body) with the speaker's consent; answers 202 with the clone and its job
 * as soon as the file is stored. XMLHttpRequest, not fetch: only it reports upload progress
 * (`onProgress` gets the share sent, 0 to 1). Problems raise `ApiError` like every other call.
 */
export async function cloneVoice(sample: Blob, filename: string, onProgress?: (sent: number) => void): Promise<Clone> {
  const path = `/v1/voice/clone?consent=true&filename=${encodeURIComponent(filename)}`;
  let answer = await upload(path, sample, await csrfToken(), onProgress);
  if (answer.status === 403 && /csrf/i.test(`${answer.problem.type ?? ""} ${answer.problem.detail ?? ""}`)) {
    answer = await upload(path, sample, await csrfToken(true), onProgress); // the token rotated
  }
  if (answer.status >= 200 && answer.status < 300) return answer.body as Clone;
  throw new ApiError({ status: answer.status, problem: answer.problem, requestId: answer.requestId });
}

interface Answer {
  status: number;
  body: unknown;
  problem: Problem;
  requestId: string | null;
}

function upload(path: string, body: Blob, csrf: string, onProgress?: (sent: number) => void): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.withCredentials = true;
    xhr.setRequestHeader("Accept", "application/json, application/problem+json");
    xhr.setRequestHeader("Content-Type", body.type || "application/octet-stream");
    xhr.setRequestHeader(CSRF_HEADER, csrf);
    xhr.upload.onprogress = (e: ProgressEvent) => {
      if (e.lengthComputable && e.total > 0) onProgress?.(Math.min(1, e.loaded / e.total));
    };
    xhr.onerror = () => reject(new ApiError({ status: 0, problem: {} }));
    xhr.onload = () => {
      let parsed: unknown = null;
      try {
        parsed = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        parsed = null;
      }
      const ok = xhr.status >= 200 && xhr.status < 300;
      resolve({
        status: xhr.status,
        body: ok ? parsed : null,
        problem: !ok && parsed && typeof parsed === "object" ? (parsed as Problem) : {},
        requestId: xhr.getResponseHeader("X-Request-ID"),
      });
    };
    xhr.send(body);
  });
}

export const speak = (text: string, voice: "me" | "default") =>
  api.post<Narration>("/v1/tts", { text, voice, format: "wav" });
