/**
 * The transcript beside the timeline: the words heard on the timeline (click one to seek, select
 * words and delete them: the server ripples their frames out of every track as one edit, which
 * lands here as one undo step), "Remove filler words and long pauses" with a list to preview and
 * one apply, and the caption track (make it, pick a style, karaoke, edit each line's text and
 * timing, download SRT / WebVTT).
 */
import { useEffect, useState } from "react";
import { Button } from "../../components/Button";
import { ApiError } from "../../api/client";
import { waitForJob, type Project } from "./editorApi";
import {
  CAPTION_STYLES,
  STYLE_LABELS,
  captionFileUrl,
  cutFrames,
  getFillers,
  getProjectTranscript,
  makeCaptions,
  selectionCuts,
  startTranscribe,
  type CaptionLine,
  type CaptionStyleName,
  type CaptionTrack,
  type Finding,
  type ProjectTranscript,
} from "./captions";
import { parseRate, rateValue, type Timeline } from "./model";

export interface TranscriptPanelProps {
  projectId: string;
  timeline: Timeline & { captions?: CaptionTrack | null };
  /** Bumped when the server has the current timeline (after a save): the words are fetched again. */
  savedVersion: number;
  playhead: number;
  assetNames: Record<string, string>;
  onSeek: (frame: number) => void;
  /** Run a server edit on the saved project and take its timeline as one undo step. */
  serverEdit: (call: (version: number) => Promise<Project>) => Promise<void>;
  /** A local edit of the caption track (one undo step per `coalesce` key). */
  onCaptions: (captions: CaptionTrack | null, coalesce?: string) => void;
}

export function TranscriptPanel({ projectId, timeline, savedVersion, playhead, assetNames, onSeek, serverEdit, onCaptions }: TranscriptPanelProps) {
  const [data, setData] = useState<ProjectTranscript | null>(null);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [anchor, setAnchor] = useState<number | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [findings, setFindings] = useState<(Finding & { on: boolean })[] | null>(null);
  const [pause, setPause] = useState(1.0);
  const [style, setStyle] = useState<CaptionStyleName>(timeline.captions?.style ?? "classic");
  const [karaoke, setKaraoke] = useState(timeline.captions?.karaoke ?? false);
  const fps = rateValue(parseRate(timeline.canvas.fps));

  useEffect(() => {
    const controller = new AbortController();
    getProjectTranscript(projectId, controller.signal)
      .then((d) => {
        setData(d);
        setSelected(new Set());
      })
      .catch(() => undefined);
    return () => controller.abort();
  }, [projectId, savedVersion]);

  const run = async (what: string, work: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(err instanceof ApiError ? err.detail : String(err));
    } finally {
      setBusy(null);
    }
  };

  const transcribe = (assetId: string) =>
    run(`transcribe-${assetId}`, async () => {
      const job = await startTranscribe(assetId);
      const done = await waitForJob(job.id);
      if (done.status !== "succeeded") throw new Error(done.error ?? "transcription failed");
      setData(await getProjectTranscript(projectId));
    });

  const words = data?.words ?? [];
  const click = (n: number, shift: boolean) => {
    if (shift && anchor !== null) {
      const [a, b] = anchor < n ? [anchor, n] : [n, anchor];
      setSelected(new Set(Array.from({ length: b - a + 1 }, (_, i) => a + i)));
    } else {
      setSelected(new Set([n]));
      setAnchor(n);
    }
    onSeek(words[n].start);
  };

  const deleteSelected = () =>
    run("delete", async () => {
      const cuts = selectionCuts(words, selected);
      if (cuts.length) await serverEdit((v) => cutFrames(projectId, cuts, v));
    });

  const findFillers = () =>
    run("fillers", async () => {
      const found = await getFillers(projectId, pause);
      setFindings(found.findings.map((f) => ({ ...f, on: true })));
    });

  const applyFillers = () =>
    run("apply", async () => {
      const cuts = (findings ?? []).filter((f) => f.on).map(({ start, end }) => ({ start, end }));
      if (cuts.length) await serverEdit((v) => cutFrames(projectId, cuts, v));
      setFindings(null);
    });

  const captions = timeline.captions ?? null;
  const setLine = (index: number, patch: Partial<CaptionLine>) => {
    if (!captions) return;
    const lines = captions.lines.map((l, i) => (i === index ? { ...l, ...patch, ...(patch.text !== undefined ? { words: [] } : {}) } : l));
    onCaptions({ ...captions, lines }, `caption-${captions.lines[index].id}-${Object.keys(patch).join()}`);
  };
  const seconds = (frame: number) => (frame / fps).toFixed(2);
  const toFrame = (value: string) => Math.max(0, Math.round(Number(value) * fps));
  const current = words.findIndex((w) => w.start <= playhead && playhead < w.end);

  return (
    <section aria-label="Transcript" className="flex min-h-0 flex-col gap-2 overflow-y-auto rounded-xl border border-text/10 bg-surface p-2 text-xs">
      <h2 className="text-sm font-semibold">Transcript</h2>
      {error && (
        <p role="alert" className="text-danger">
          {error}
        </p>
      )}
      {data?.missing.map((assetId) => (
        <div key={assetId} className="flex items-center justify-between gap-2">
          <span className="truncate text-muted">{assetNames[assetId] ?? assetId}: no transcript yet</span>
          <Button size="sm" variant="ghost" className="h-7!" busy={busy === `transcribe-${assetId}`} onClick={() => void transcribe(assetId)} aria-label={`Transcribe ${assetNames[assetId] ?? assetId}`}>
            Transcribe
          </Button>
        </div>
      ))}
      {words.length > 0 ? (
        <p className="leading-6" aria-label="Transcript words">
          {words.map((w, n) => (
            <button
              key={`${w.clip_id}-${w.index}-${w.start}`}
              type="button"
              data-word={n}
              data-start={w.start}
              aria-pressed={selected.has(n)}
              title={`${seconds(w.start)} s`}
              onClick={(e) => click(n, e.shiftKey)}
              className={`mr-1 rounded px-0.5 ${selected.has(n) ? "bg-danger/30 line-through" : n === current ? "bg-primary/25" : "hover:bg-text/10"}`}
            >
              {w.text}
            </button>
          ))}
        </p>
      ) : (
        data && !data.missing.length && <p className="text-muted">No speech on the timeline.</p>
      )}
      {words.length > 0 && (
        <div className="flex flex-wrap items-center gap-1.5">
          <Button size="sm" variant="ghost" className="h-7!" disabled={!selected.size} busy={busy === "delete"} onClick={() => void deleteSelected()}>
            Delete selected words
          </Button>
          <span className="text-muted">Click a word to seek; Shift+click selects a run.</span>
        </div>
      )}

      {words.length > 0 && (
        <div className="space-y-1 border-t border-text/10 pt-2">
          <div className="flex flex-wrap items-center gap-1.5">
            <Button size="sm" variant="ghost" className="h-7!" busy={busy === "fillers"} onClick={() => void findFillers()}>
              Remove filler words and long pauses
            </Button>
            <label className="flex items-center gap-1 text-muted">
              pauses over
              <input type="number" min={0.2} max={30} step={0.1} value={pause} onChange={(e) => setPause(Number(e.target.value))} className="w-14 rounded border border-text/15 bg-background/60 px-1" aria-label="Pause threshold in seconds" />
              s
            </label>
          </div>
          {findings && (
            <div className="space-y-1">
              {findings.length === 0 && <p className="text-muted">Nothing found.</p>}
              <ul className="max-h-40 space-y-0.5 overflow-y-auto" aria-label="Fillers and pauses found">
                {findings.map((f, n) => (
                  <li key={`${f.kind}-${f.start}`} className="flex items-center gap-1.5">
                    <input type="checkbox" className="accent-primary" checked={f.on} aria-label={`Remove ${f.text} at ${seconds(f.start)} s`}
                      onChange={(e) => setFindings(findings.map((x, i) => (i === n ? { ...x, on: e.target.checked } : x)))} />
                    <button type="button" className="underline decoration-dotted" onClick={() => onSeek(f.start)}>
                      {f.kind}: “{f.text}” at {seconds(f.start)} s
                    </button>
                  </li>
                ))}
              </ul>
              {findings.length > 0 && (
                <Button size="sm" className="h-7!" busy={busy === "apply"} disabled={!findings.some((f) => f.on)} onClick={() => void applyFillers()}>
                  Apply {findings.filter((f) => f.on).length} cuts
                </Button>
              )}
            </div>
          )}
        </div>
      )}

      <div className="space-y-1.5 border-t border-text/10 pt-2">
        <h3 className="font-semibold">Captions</h3>
        <div className="flex flex-wrap items-center gap-1.5">
          <label className="flex items-center gap-1">
            Style
            <select className="rounded border border-text/15 bg-background/60 px-1 py-0.5" value={style} onChange={(e) => {
              const next = e.target.value as CaptionStyleName;
              setStyle(next);
              if (captions) onCaptions({ ...captions, style: next });
            }}>
              {CAPTION_STYLES.map((s) => (
                <option key={s} value={s}>
                  {STYLE_LABELS[s]}
                </option>
              ))}
            </select>
          </label>
          <label className="flex items-center gap-1">
            <input type="checkbox" className="accent-primary" checked={karaoke} onChange={(e) => {
              setKaraoke(e.target.checked);
              if (captions) onCaptions({ ...captions, karaoke: e.target.checked });
            }} />
            Word highlight
          </label>
          <Button size="sm" variant="ghost" className="h-7!" disabled={!words.length} busy={busy === "captions"}
            onClick={() => void run("captions", () => serverEdit((v) => makeCaptions(projectId, style, karaoke, v)))}>
            {captions?.lines.length ? "Remake captions" : "Add captions"}
          </Button>
          {captions && (
            <label className="flex items-center gap-1">
              <input type="checkbox" className="accent-primary" checked={!captions.hidden} onChange={(e) => onCaptions({ ...captions, hidden: !e.target.checked })} />
              Show
            </label>
          )}
        </div>
        {captions && captions.lines.length > 0 && (
          <>
            <div className="flex gap-3">
              <a className="text-primary underline" href={captionFileUrl(projectId, "srt")} download>
                Download SRT
              </a>
              <a className="text-primary underline" href={captionFileUrl(projectId, "vtt")} download>
                Download WebVTT
              </a>
            </div>
            <ol className="max-h-48 space-y-1 overflow-y-auto" aria-label="Caption lines">
              {captions.lines.map((line, n) => (
                <li key={line.id} className={`grid grid-cols-[1fr_3.5rem_3.5rem] gap-1 ${line.start <= playhead && playhead < line.start + line.length ? "rounded bg-primary/10" : ""}`}>
                  <input className="min-w-0 rounded border border-text/15 bg-background/60 px-1" value={line.text} aria-label={`Caption ${n + 1} text`} dir="auto"
                    onChange={(e) => e.target.value.trim() && setLine(n, { text: e.target.value })} onFocus={() => onSeek(line.start)} />
                  <input type="number" step={0.01} min={0} className="rounded border border-text/15 bg-background/60 px-1" aria-label={`Caption ${n + 1} start in seconds`} value={seconds(line.start)}
                    onChange={(e) => {
                      const start = toFrame(e.target.value);
                      const end = line.start + line.length;
                      if (start < end) setLine(n, { start, length: end - start, words: (line.words ?? []).filter((w) => w.start >= start) });
                    }} />
                  <input type="number" step={0.01} min={0} className="rounded border border-text/15 bg-background/60 px-1" aria-label={`Caption ${n + 1} end in seconds`} value={seconds(line.start + line.length)}
                    onChange={(e) => {
                      const end = toFrame(e.target.value);
                      if (end > line.start) setLine(n, { length: end - line.start, words: (line.words ?? []).filter((w) => w.end <= end) });
                    }} />
                </li>
              ))}
            </ol>
          </>
        )}
      </div>
    </section>
  );
}
