import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../../api/client";
import { useDocumentTitle } from "../../auth/useDocumentTitle";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { FormAlert } from "../../components/Field";
import { EMPTY_METER, measure, measureSamples, type Meter } from "./meter";
import {
  CLONE_STAGES, cloneVoice, deleteVoice, getJob, getNarration, getVoice, speak,
  type Job, type Narration, type Voice,
} from "./voiceApi";

const MIN_SPEECH = 60;
const MAX_SPEECH = 180;
const message = (err: unknown) => (err instanceof ApiError ? err.detail : String(err));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (x: number) => `${Math.round(x * 100)}%`;
const TERMINAL = ["succeeded", "failed", "cancelled"];
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Clone your voice from a recording (made here or uploaded), see how good it is, and try it. */
export function VoicePage() {
  useDocumentTitle("Voice");
  const [voice, setVoice] = useState<Voice | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sample, setSample] = useState<{ blob: Blob; name: string } | null>(null);
  const [meter, setMeter] = useState<Meter>(EMPTY_METER);
  const [recording, setRecording] = useState(false);
  const [consent, setConsent] = useState(false);
  const [job, setJob] = useState<Job | null>(null);
  /** Share of the upload sent (0–1) while the recording is being uploaded, else null. */
  const [uploaded, setUploaded] = useState<number | null>(null);
  /** Why the last clone could not be made, in plain words (until "Try again"). */
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const recordButton = useRef<HTMLButtonElement>(null);
  const recorder = useRef<{ stop: () => void } | null>(null);

  const load = useCallback(async () => {
    try {
      const v = await getVoice();
      setVoice(v);
      setError(null);
      return v;
    } catch (err) {
      setError(message(err));
      return null;
    }
  }, []);

  /** Progress over SSE (one request for the whole clone: polling would eat the rate limit). */
  const follow = useCallback(async (jobId: string) => {
    const first = await getJob(jobId);
    setJob(first);
    if (TERMINAL.includes(first.status)) {
      const v = await load();
      setFailure(v?.last_attempt?.status === "failed" ? v.last_attempt.error ?? first.error : null);
      setJob(null);
      return;
    }
    if (typeof EventSource !== "undefined") {
      await new Promise<void>((resolve) => {
        const events = new EventSource(`/v1/jobs/${encodeURIComponent(jobId)}/events`);
        const update = (e: MessageEvent<string>) => setJob((prev) => ({ ...(prev as Job), ...JSON.parse(e.data) }));
        events.addEventListener("progress", update as EventListener);
        events.addEventListener("done", ((e: MessageEvent<string>) => {
          update(e);
          events.close();
          resolve();
        }) as EventListener);
        events.onerror = () => {
          events.close();
          resolve();
        };
      });
    }
    let last: Job;
    for (;;) {
      last = await getJob(jobId);
      setJob(last);
      if (TERMINAL.includes(last.status)) break;
      await sleep(3000);
    }
    const v = await load();
    const attempt = v?.last_attempt;
    setFailure(last.status === "succeeded" ? null : (attempt?.status === "failed" && attempt.error) || last.error);
    setJob(null);
  }, [load]);

  useEffect(() => {
    void load().then((v) => {
      const attempt = v?.last_attempt;
      if (v?.status === "processing" && attempt?.job_id) {
        setJob({ id: attempt.job_id, status: "running", progress: attempt.progress ?? 0, stage: attempt.stage ?? "queued", error: null });
        void follow(attempt.job_id);
      } else if (attempt?.status === "failed" && attempt.error && (v?.status === "failed" || !v?.clone || v.clone.id !== attempt.id)) {
        setFailure(attempt.error);
      }
    });
  }, [load, follow]);

  async function pickFile(file: File) {
    setSample({ blob: file, name: file.name });
    setMeter(EMPTY_METER);
    try {
      const ctx = new AudioContext();
      const decoded = await ctx.decodeAudioData(await file.arrayBuffer());
      setMeter(measureSamples(decoded.getChannelData(0), decoded.sampleRate));
      void ctx.close();
    } catch {
      /* the server checks the file anyway; a format the browser cannot decode just has no meter */
    }
  }

  async function startRecording() {
    setError(null);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const ctx = new AudioContext();
      const source = ctx.createMediaStreamSource(stream);
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 2048;
      source.connect(analyser);
      const block = new Float32Array(analyser.fftSize);
      let live = EMPTY_METER;
      let last = performance.now();
      const timer = window.setInterval(() => {
        const now = performance.now();
        analyser.getFloatTimeDomainData(block);
        live = measure(live, block, (now - last) / 1000);
        last = now;
        setMeter(live);
      }, 100);
      const chunks: Blob[] = [];
      const media = new MediaRecorder(stream);
      media.ondataavailable = (e) => e.data.size && chunks.push(e.data);
      media.onstop = () => {
        window.clearInterval(timer);
        stream.getTracks().forEach((t) => t.stop());
        void ctx.close();
        const type = media.mimeType || "audio/webm";
        setSample({ blob: new Blob(chunks, { type }), name: type.includes("ogg") ? "recording.ogg" : "recording.webm" });
        setRecording(false);
      };
      setMeter(EMPTY_METER);
      setSample(null);
      media.start(1000);
      recorder.current = { stop: () => media.stop() };
      setRecording(true);
    } catch (err) {
      setError(`The microphone could not be opened: ${String(err)}`);
    }
  }

  async function submit() {
    if (!sample) return;
    setBusy(true);
    setError(null);
    setFailure(null);
    setUploaded(0);
    try {
      const clone = await cloneVoice(sample.blob, sample.name, setUploaded);
      setUploaded(null);
      if (clone.job_id) {
        setJob({ id: clone.job_id, status: "queued", progress: clone.progress ?? 0, stage: clone.stage ?? "queued", error: null });
        void load();
        await follow(clone.job_id);
      } else {
        await load();
      }
    } catch (err) {
      setFailure(message(err));
    } finally {
      setUploaded(null);
      setBusy(false);
    }
  }

  /** Clear the failure and start over with a new recording. */
  function tryAgain() {
    setFailure(null);
    setSample(null);
    setMeter(EMPTY_METER);
    recordButton.current?.focus();
  }

  async function remove() {
    setBusy(true);
    try {
      await deleteVoice();
      await load();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  }

  const active = voice?.status === "ready" ? voice.clone : null;
  const attempt = voice?.last_attempt;
  const speech = meter.speechSeconds;
  return (
    <div className="grid gap-6">
      <div>
        <h1 className="text-3xl font-semibold tracking-tight text-text">Voice</h1>
        <p className="mt-1.5 max-w-2xl text-sm text-muted">
          Record or upload one to three minutes of yourself reading aloud in a quiet room. We check the
          recording, build your voice, and measure how close and how clear it sounds.
        </p>
      </div>
      {error && <FormAlert>{error}</FormAlert>}

      <Card title="Your voice" titleId="voice-status"
        description={voice ? `Status: ${voice.status}${voice.voice_id ? ` · ${voice.voice_id}` : ""}` : "Loading…"}
        actions={voice && voice.status !== "none" && (
          <Button variant="danger" size="sm" onClick={() => void remove()} busy={busy && !job}>Delete my voice</Button>
        )}>
        <div className="grid gap-4 px-6 py-5" data-testid="voice-status" data-status={voice?.status ?? "loading"}>
          {(uploaded !== null || job) && <CloneProgress uploaded={uploaded} job={job} />}
          {active?.quality && (
            <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4" aria-label="Quality">
              <Figure label="Similarity to you" value={pct(active.quality.similarity)} />
              <Figure label="Default voice" value={pct(active.quality.base_similarity)} />
              <Figure label="Word error rate" value={pct(active.quality.wer)} />
              <Figure label="Speech in sample" value={`${Math.round(active.report.speech_s ?? 0)} s`} />
            </dl>
          )}
          {failure && !job && uploaded === null && (
            <div className="grid gap-3" data-testid="clone-failed">
              <FormAlert>
                <span className="font-medium">Your voice could not be cloned. </span>
                {failure}
              </FormAlert>
              <div>
                <Button variant="secondary" onClick={tryAgain}>Try again</Button>
              </div>
            </div>
          )}
          {voice?.status === "failed" && !failure && attempt?.error && <FormAlert>{attempt.error}</FormAlert>}
          {voice?.status === "none" && !job && uploaded === null && !failure && <p className="text-sm text-muted">No voice yet.</p>}
        </div>
      </Card>

      <Card title="Sample" titleId="voice-sample" description="Record here or upload wav, mp3, m4a, ogg or webm.">
        <div className="grid gap-4 px-6 py-5">
          <div className="flex flex-wrap items-center gap-3">
            {recording ? (
              <Button variant="danger" onClick={() => recorder.current?.stop()}>Stop recording</Button>
            ) : (
              <Button variant="secondary" ref={recordButton} onClick={() => void startRecording()}>Record</Button>
            )}
            <label className="text-sm text-muted">
              <span className="sr-only">Upload a recording</span>
              <input type="file" accept="audio/*,.wav,.mp3,.m4a,.ogg,.webm" aria-label="Upload a recording"
                onChange={(e) => e.target.files?.[0] && void pickFile(e.target.files[0])} />
            </label>
          </div>
          <div aria-label="Meter" className="grid gap-1 text-sm">
            <p className="text-text">
              Speech: <span data-testid="speech-seconds">{Math.round(speech)}</span> s of {MIN_SPEECH}–{MAX_SPEECH} s
              {" · "}level {Math.round(meter.levelDb)} dB
            </p>
            <div className="h-2 rounded bg-text/10">
              <div className={`h-2 rounded ${speech >= MIN_SPEECH && speech <= MAX_SPEECH ? "bg-success" : "bg-primary"}`}
                style={{ width: `${Math.min(100, (speech / MAX_SPEECH) * 100)}%` }} />
            </div>
            {meter.clipped && (
              <FormAlert tone="warning">The recording clips: lower the microphone gain or move back from it.</FormAlert>
            )}
          </div>
          <label className="flex items-start gap-2 text-sm text-text">
            <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} className="mt-1" />
            <span>This recording is my own voice (or I have the speaker's permission), and I agree that FlowAI may
              create a synthetic copy of it for my narrations.</span>
          </label>
          <div>
            <Button onClick={() => void submit()} disabled={!sample || !consent || recording || !!job || uploaded !== null} busy={busy && !!sample}>
              Clone my voice
            </Button>
            {sample && <span className="ml-3 text-sm text-muted">{sample.name}</span>}
          </div>
        </div>
      </Card>

      <TryIt ready={voice?.status === "ready"} />
    </div>
  );
}

/** The upload's share, then each stage of the clone job with its percentage. */
function CloneProgress({ uploaded, job }: { uploaded: number | null; job: Job | null }) {
  const uploading = uploaded !== null;
  const percent = uploading ? Math.round(uploaded * 100) : (job?.progress ?? 0);
  const stage = job?.stage ?? "queued";
  const current = uploading ? -1 : CLONE_STAGES.indexOf(stage as (typeof CLONE_STAGES)[number]);
  const label = uploading
    ? `Uploading… ${percent}%`
    : stage === "queued" || stage.startsWith("retrying")
      ? `Waiting to start… ${percent}%`
      : `${capital(stage)}… ${percent}%`;
  const steps = ["uploading the recording", ...CLONE_STAGES];
  return (
    <div aria-label="Cloning progress" className="grid gap-2">
      <p className="text-sm text-text" aria-live="polite" data-testid="clone-progress">{label}</p>
      <div className="h-2 rounded bg-text/10" role="progressbar" aria-label={uploading ? "Upload" : "Cloning"}
        aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <div className="h-2 rounded bg-primary transition-all" style={{ width: `${percent}%` }} />
      </div>
      <ol className="flex flex-wrap gap-x-4 gap-y-1 text-xs" aria-label="Cloning steps">
        {steps.map((name, i) => {
          const at = i - 1; // the upload is step -1
          const state = at < current || (!uploading && at === -1) ? "done" : at === current ? "current" : "next";
          return (
            <li key={name} data-state={state}
              className={state === "done" ? "text-success" : state === "current" ? "font-medium text-text" : "text-muted"}>
              {state === "done" ? "✓ " : ""}{capital(name)}
            </li>
          );
        })}
      </ol>
    </div>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="text-lg font-semibold text-text">{value}</dd>
    </div>
  );
}

async function narrate(text: string, voice: "me" | "default"): Promise<Narration> {
  let n = await speak(text, voice);
  while (n.status === "processing") {
    await sleep(1000);
    n = await getNarration(n.id);
  }
  return n;
}

function TryIt({ ready }: { ready: boolean }) {
  const [text, setText] = useState("Welcome back to the channel. Today we are trying something new.");
  const [takes, setTakes] = useState<{ me?: Narration; base?: Narration }>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run() {
    setBusy(true);
    setError(null);
    try {
      const [me, base] = await Promise.all([narrate(text, "me"), narrate(text, "default")]);
      setTakes({ me, base });
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Try it" titleId="voice-try" description="Type a line and hear it in your voice next to the default voice.">
      <div className="grid gap-4 px-6 py-5">
        <textarea aria-label="Text to speak" value={text} onChange={(e) => setText(e.target.value)} rows={3}
          className="block w-full rounded-lg border border-text/15 bg-background/60 px-3 py-2 text-sm text-text" />
        <div>
          <Button onClick={() => void run()} disabled={!ready || !text.trim()} busy={busy}>Speak</Button>
          {!ready && <span className="ml-3 text-sm text-muted">Clone your voice first.</span>}
        </div>
        {error && <FormAlert>{error}</FormAlert>}
        <div className="grid gap-4 sm:grid-cols-2">
          {([["Cloned voice", takes.me], ["Default voice", takes.base]] as const).map(([label, take]) =>
            take?.download_url ? (
              <figure key={label} className="grid gap-1">
                <figcaption className="text-sm text-text">
                  {label} · WER {take.wer === null ? "–" : pct(take.wer)}
                  {take.attempts > 1 ? " (regenerated once)" : ""}
                </figcaption>
                <audio controls src={take.download_url} aria-label={label} />
              </figure>
            ) : null,
          )}
        </div>
      </div>
    </Card>
  );
}
