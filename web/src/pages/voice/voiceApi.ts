import { api } from "../../api/client";

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

/** Upload a sample (raw body) with the speaker's consent; answers 202 with the clone and its job. */
export const cloneVoice = (sample: Blob, filename: string) =>
  api.post<Clone>(`/v1/voice/clone?consent=true&filename=${encodeURIComponent(filename)}`, sample);

export const speak = (text: string, voice: "me" | "default") =>
  api.post<Narration>("/v1/tts", { text, voice, format: "wav" });
