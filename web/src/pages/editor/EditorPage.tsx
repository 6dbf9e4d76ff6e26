/**
 * `/editor/:projectId`: media bin, Remotion preview, inspector, multi-track timeline, Magic Cut,
 * export and (when the voice feature's TTS endpoint exists) narration. The timeline is a pure
 * reducer (reducer.ts) and is autosaved with If-Match; a 409 from another tab is shown, never
 * overwritten silently.
 */
import { Player, type PlayerRef } from "@remotion/player";
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import { ApiError } from "../../api/client";
import { useDocumentTitle } from "../../auth/useDocumentTitle";
import { Button } from "../../components/Button";
import { FormAlert } from "../../components/Field";
import { ProgressBar } from "../dashboard/JobsPanel";
import { type CompositionProps, type MediaSource, TimelineComposition, pixelExactSize } from "./Composition";
import {
  type Asset,
  EXPORT_PRESETS,
  EXPORT_QUALITIES,
  type ExportOut,
  type JobSnapshot,
  type MagicCutResult,
  type Project,
  followJob,
  getAsset,
  getExport,
  getJob,
  getNarration,
  uploadAsset,
  getProject,
  interchangeUrl,
  listAssets,
  requestTts,
  saveTimeline,
  startExport,
  startMagicCut,
  narrationCapabilities,
  waitForJob,
} from "./editorApi";
import { Inspector } from "./Inspector";
import { TranscriptPanel } from "./TranscriptPanel";
import { MediaBin } from "./MediaBin";
import { itemLabels } from "./labels";
import { type AssetTable, EMPTY_TIMELINE, assetCanvasFrames, findItem, itemSpans, parseRate, rateValue, timecode, timelineDuration, withStandardTracks } from "./model";
import { editorReducer, initialState, sceneMarks, silenceMarks } from "./reducer";
import { type Marks, TimelineView } from "./TimelineView";
import { OfferShares } from "../shares/OfferShares";

const AUTOSAVE_MS = 700;
type SaveState = "saved" | "dirty" | "saving" | "conflict" | "error";

function facts(a: Asset): AssetTable[string] {
  return { kind: a.kind, fps: a.fps, frames: a.frames, duration_us: a.duration_us };
}

declare global {
  interface Window {
    /** Test hook for the end-to-end tests: the Remotion player of the open editor. */
    flowaiEditorPlayer?: PlayerRef | null;
  }
}

export function EditorPage() {
  const { projectId = "" } = useParams();
  const [state, dispatch] = useReducer(editorReducer, undefined, () => initialState(withStandardTracks(EMPTY_TIMELINE)));
  const [name, setName] = useState("");
  useDocumentTitle(name ? `${name} · Editor` : "Editor");
  const [loadError, setLoadError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [assets, setAssets] = useState<Record<string, Asset>>({});
  const version = useRef(0);
  const [savedVersion, setSavedVersion] = useState(0); // the transcript panel refetches on a new one
  const savedTimeline = useRef<unknown>(null);
  const [save, setSave] = useState<SaveState>("saved");
  const [saveError, setSaveError] = useState<string | null>(null);
  const [zoom, setZoom] = useState(3);
  const [snap, setSnap] = useState(true);
  const [playing, setPlaying] = useState(false);
  const player = useRef<PlayerRef>(null);
  // the preview's box, so the Player can be given a size at which it draws on whole pixels
  const [stage, setStage] = useState<{ width: number; height: number } | null>(null);
  const stageObserver = useRef<ResizeObserver | null>(null);
  const stageRef = useCallback((el: HTMLDivElement | null) => {
    stageObserver.current?.disconnect();
    stageObserver.current = null;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => {
      const { width, height } = entry.contentRect;
      setStage((s) => (s && s.width === width && s.height === height ? s : { width, height }));
    });
    observer.observe(el);
    stageObserver.current = observer;
  }, []);
  const [rate, setRate] = useState(1);
  const [notice, setNotice] = useState<string | null>(null);

  // --- load ---------------------------------------------------------------------------------
  useEffect(() => {
    const controller = new AbortController();
    (async () => {
      try {
        const [project, bin] = await Promise.all([getProject(projectId, controller.signal), listAssets(controller.signal)]);
        const byId = Object.fromEntries(bin.items.map((a) => [a.id, a]));
        setAssets(byId);
        setName(project.name);
        version.current = project.version;
        const tl = withStandardTracks(project.timeline);
        savedTimeline.current = tl;
        dispatch({ type: "load", timeline: tl, assets: Object.fromEntries(bin.items.map((a) => [a.id, facts(a)])) });
        setLoaded(true);
      } catch (err) {
        if (err instanceof ApiError) setLoadError(err.status === 404 ? "This project does not exist (or is not yours)." : err.detail);
      }
    })();
    return () => controller.abort();
  }, [projectId]);

  // Refresh assets whose proxy / thumbnails / waveform are still being made.
  const pending = Object.values(assets).filter(
    (a) => (a.kind === "video" && (!a.proxy_url || !a.thumbnails_url || !a.waveform_url)) || (a.kind === "audio" && !a.waveform_url),
  );
  const pendingKey = pending.map((a) => a.id).join(",");
  useEffect(() => {
    if (!pendingKey) return;
    const timer = setTimeout(async () => {
      for (const id of pendingKey.split(",")) {
        try {
          const a = await getAsset(id);
          setAssets((m) => ({ ...m, [a.id]: a }));
        } catch {
          /* next round */
        }
      }
    }, 1500);
    return () => clearTimeout(timer);
  }, [pendingKey, assets]);

  const addAsset = (a: Asset) => {
    setAssets((m) => ({ ...m, [a.id]: a }));
    dispatch({ type: "assets", assets: { [a.id]: facts(a) } });
  };

  // --- autosave -----------------------------------------------------------------------------
  const saving = useRef(false);
  const doSave = useCallback(async () => {
    if (saving.current) return;
    const tl = state.present;
    if (tl === savedTimeline.current) return;
    saving.current = true;
    setSave("saving");
    try {
      const project = await saveTimeline(projectId, tl, version.current);
      version.current = project.version;
      setSavedVersion(project.version);
      savedTimeline.current = tl;
      setSave("saved");
      setSaveError(null);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setSave("conflict");
      } else {
        setSave("error");
        setSaveError(err instanceof ApiError ? err.detail : String(err));
      }
    } finally {
      saving.current = false;
    }
  }, [projectId, state.present]);

  useEffect(() => {
    if (!loaded || state.present === savedTimeline.current || save === "conflict") return;
    if (save !== "saving") setSave("dirty");
    const timer = setTimeout(() => void doSave(), AUTOSAVE_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state.present, loaded, doSave, save === "conflict", save === "saving"]);

  // A server edit (transcript cut, new captions) on the saved project, taken as one undo step.
  const serverEdit = async (call: (version: number) => Promise<Project>) => {
    await doSave();
    if (state.present !== savedTimeline.current) throw new Error("The project has unsaved changes: wait for the save and try again.");
    const project = await call(version.current);
    version.current = project.version;
    const next = withStandardTracks(project.timeline);
    savedTimeline.current = next;
    dispatch({ type: "replace", timeline: next });
    setSavedVersion(project.version);
  };

  const reloadFromServer = async () => {
    const project = await getProject(projectId);
    version.current = project.version;
    const tl = withStandardTracks(project.timeline);
    savedTimeline.current = tl;
    dispatch({ type: "load", timeline: tl });
    setSave("saved");
  };
  const overwriteServer = async () => {
    const project = await getProject(projectId);
    version.current = project.version;
    setSave("dirty");
    savedTimeline.current = null;
    await doSave();
  };

  // --- preview ------------------------------------------------------------------------------
  const tl = state.present;
  const canvasRate = parseRate(tl.canvas.fps);
  const fps = rateValue(canvasRate);
  const duration = Math.max(1, timelineDuration(tl, state.assets));
  const media = useMemo(() => {
    const out: Record<string, MediaSource> = {};
    for (const a of Object.values(assets))
      out[a.id] = {
        src: a.kind === "video" ? (a.proxy_url ?? a.download_url) : a.kind === "audio" ? (a.proxy_url ?? a.download_url) : a.download_url,
        kind: a.kind,
        width: a.width,
        height: a.height,
        fps: a.fps,
      };
    return out;
  }, [assets]);
  const labels = useMemo(() => itemLabels(tl, (id) => assets[id]?.filename), [tl, assets]);
  const inputProps: CompositionProps = useMemo(() => ({ timeline: tl, assets: state.assets, media }), [tl, state.assets, media]);

  const fromPlayer = useRef(-1);
  useEffect(() => {
    const p = player.current;
    if (!p) return;
    window.flowaiEditorPlayer = p;
    const onFrame = (e: { detail: { frame: number } }) => {
      fromPlayer.current = e.detail.frame;
      dispatch({ type: "playhead", frame: e.detail.frame });
    };
    const onPlay = () => setPlaying(true);
    const onPause = () => setPlaying(false);
    p.addEventListener("frameupdate", onFrame);
    p.addEventListener("play", onPlay);
    p.addEventListener("pause", onPause);
    return () => {
      p.removeEventListener("frameupdate", onFrame);
      p.removeEventListener("play", onPlay);
      p.removeEventListener("pause", onPause);
    };
  }, [loaded]);

  useEffect(() => {
    const p = player.current;
    if (!p || state.playhead === fromPlayer.current) return;
    if (p.getCurrentFrame() !== state.playhead) p.seekTo(Math.min(state.playhead, duration - 1));
  }, [state.playhead, duration]);

  const seek = (frame: number) => dispatch({ type: "playhead", frame: Math.max(0, Math.min(frame, duration)) });
  const togglePlay = () => {
    const p = player.current;
    if (!p) return;
    if (p.isPlaying()) p.pause();
    else {
      setRate(1);
      p.play();
    }
  };
  const shuttle = (dir: -1 | 1) => {
    const p = player.current;
    if (!p) return;
    const next = Math.sign(rate) === dir && p.isPlaying() ? Math.max(-4, Math.min(4, rate * 2)) : dir;
    setRate(next);
    if (!p.isPlaying()) p.play();
  };

  // --- keyboard -----------------------------------------------------------------------------
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      if (mod && k === "z") {
        e.preventDefault();
        dispatch({ type: e.shiftKey ? "redo" : "undo" });
      } else if (mod && k === "y") {
        e.preventDefault();
        dispatch({ type: "redo" });
      } else if (mod) return;
      else if (e.key === " ") {
        e.preventDefault();
        togglePlay();
      } else if (k === "k") player.current?.pause();
      else if (k === "j") shuttle(-1);
      else if (k === "l") shuttle(1);
      else if (k === "s") dispatch({ type: "split" });
      else if (e.key === "Delete" || e.key === "Backspace") {
        e.preventDefault();
        dispatch({ type: "delete", ripple: e.shiftKey });
      } else if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
        e.preventDefault();
        player.current?.pause();
        seek(state.playhead + (e.key === "ArrowLeft" ? -1 : 1) * (e.shiftKey ? 10 : 1));
      } else if (e.key === "Home") seek(0);
      else if (e.key === "End") seek(duration);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  // --- Magic Cut ----------------------------------------------------------------------------
  const selected = state.selection ? findItem(tl, state.selection) : null;
  const selectedVideo = selected?.kind === "video" ? selected.clip : null;
  const [magic, setMagic] = useState<{ assetId: string; job: JobSnapshot | null; result: MagicCutResult | null; error: string | null } | null>(null);
  const runMagicCut = async () => {
    if (!selectedVideo) return;
    const assetId = selectedVideo.asset_id;
    setMagic({ assetId, job: null, result: null, error: null });
    try {
      const job = await startMagicCut(assetId);
      const done = await waitForJob(job.id, (j) => setMagic((m) => (m ? { ...m, job: j } : m)));
      if (done.status !== "succeeded") throw new Error(done.error ?? `Magic Cut ${done.status}`);
      const result = (done.result ?? (await getJob(job.id)).result) as unknown as MagicCutResult;
      setMagic({ assetId, job: done, result, error: null });
    } catch (err) {
      setMagic({ assetId, job: null, result: null, error: err instanceof ApiError ? err.detail : (err as Error).message });
    }
  };
  const marks: Marks | null = useMemo(() => {
    if (!magic?.result) return null;
    return {
      silences: silenceMarks(tl, state.assets, magic.assetId, magic.result.silences ?? []),
      scenes: sceneMarks(tl, state.assets, magic.assetId, magic.result.scenes ?? []),
    };
  }, [magic, tl, state.assets]);
  const applyMagic = () => {
    if (!magic?.result) return;
    if (!magic.result.speech?.length) {
      setNotice("Magic Cut found no speech in this clip: nothing to keep.");
      return;
    }
    const action = { type: "magicCut", assetId: magic.assetId, speech: magic.result.speech } as const;
    // the reducer is pure: try it first to tell the creator whether anything would change
    if (editorReducer(state, action) === state) {
      const inCrossfade = tl.video_tracks.some((t) =>
        t.transitions.some((x) => [x.from_clip, x.to_clip].some((id) => t.clips.find((c) => c.id === id)?.asset_id === magic.assetId)),
      );
      setNotice(
        inCrossfade
          ? "Magic Cut changed nothing: it leaves clips in a crossfade as they are. Remove the crossfade, apply Magic Cut, then add the crossfade again."
          : "Magic Cut changed nothing: this clip has no silence to remove.",
      );
      return;
    }
    dispatch(action);
    setMagic(null);
    setNotice("Magic Cut applied as one step: Undo (Ctrl/Cmd+Z) brings the silences back.");
  };

  // --- export -------------------------------------------------------------------------------
  const [preset, setPreset] = useState("720p");
  const [quality, setQuality] = useState("standard");
  const [exp, setExp] = useState<{ row: ExportOut | null; job: JobSnapshot | null; error: string | null } | null>(null);
  const stopFollow = useRef<(() => void) | null>(null);
  useEffect(() => () => stopFollow.current?.(), []);
  const runExport = async () => {
    setExp({ row: null, job: null, error: null });
    try {
      for (let i = 0; i < 50 && (saving.current || state.present !== savedTimeline.current); i++) {
        if (!saving.current) await doSave();
        else await new Promise((r) => setTimeout(r, 100));
      }
      const row = await startExport(projectId, preset, quality);
      setExp({ row, job: null, error: null });
      if (!row.job_id) return;
      stopFollow.current?.();
      stopFollow.current = followJob(row.job_id, async (job) => {
        setExp((x) => (x ? { ...x, job } : x));
        if (["succeeded", "failed", "cancelled"].includes(job.status)) {
          stopFollow.current?.();
          const fresh = await getExport(row.id);
          setExp({ row: fresh, job, error: job.status === "succeeded" ? null : (job.error ?? `Export ${job.status}`) });
        }
      });
    } catch (err) {
      setExp({ row: null, job: null, error: err instanceof ApiError ? err.detail : String(err) });
    }
  };

  // --- narration ----------------------------------------------------------------------------
  const [tts, setTts] = useState(false);
  const [cloned, setCloned] = useState(false);
  const [voice, setVoice] = useState("default");
  useEffect(() => {
    void narrationCapabilities().then((caps) => {
      setTts(caps.tts);
      setCloned(caps.cloned);
      if (caps.cloned) setVoice("me");
    });
  }, []);
  const [script, setScript] = useState("");
  const [narrating, setNarrating] = useState(false);
  const narrate = async () => {
    if (!script.trim()) return;
    setNarrating(true);
    try {
      // speak → (job) → the WAV → an editor asset → a narration clip at the playhead
      let n = await requestTts({ text: script.trim(), voice });
      if (n.job_id && !n.download_url) {
        const job = await waitForJob(n.job_id);
        if (job.status !== "succeeded") throw new Error(job.error ?? `narration ${job.status}`);
        n = await getNarration(n.id);
      }
      if (!n.download_url) throw new Error(n.error ?? "the voice service returned no audio");
      const wav = await (await fetch(n.download_url, { credentials: "same-origin" })).blob();
      const a = await uploadAsset(new File([wav], `narration-${n.id}.wav`, { type: "audio/wav" }), () => {});
      addAsset(a);
      const at = state.playhead;
      dispatch({ type: "addNarration", assetId: a.id, start: at, length: Math.max(1, assetCanvasFrames(facts(a), canvasRate)), script: script.trim(), voiceId: voice });
      setScript("");
    } catch (err) {
      setNotice(`Narration failed: ${err instanceof ApiError ? err.detail : (err as Error).message}`);
    } finally {
      setNarrating(false);
    }
  };

  if (loadError)
    return (
      <div className="space-y-4">
        <FormAlert>{loadError}</FormAlert>
        <Link to="/editor" className="text-sm text-primary">
          Back to projects
        </Link>
      </div>
    );

  const saveLabel = { saved: "All changes saved", dirty: "Unsaved changes", saving: "Saving…", conflict: "Not saved: conflict", error: "Not saved" }[save];
  const selectCls = "rounded-md border border-text/15 bg-background/60 px-2 py-1 text-xs";

  return (
    <div className="-mx-2 -my-4 flex flex-col gap-2 sm:-mx-4">
      <div className="flex flex-wrap items-center gap-2">
        <Link to="/editor" className="text-sm text-muted hover:text-text" aria-label="Back to projects">
          ←
        </Link>
        <h1 className="mr-2 truncate text-lg font-semibold">{name || "…"}</h1>
        <span role="status" aria-live="polite" className={`text-xs ${save === "saved" ? "text-success" : save === "conflict" || save === "error" ? "text-danger" : "text-muted"}`}>
          {saveLabel}
        </span>
        <div className="ml-auto flex flex-wrap items-center gap-1.5">
          <Button size="sm" variant="ghost" onClick={() => dispatch({ type: "undo" })} disabled={!state.past.length} aria-label="Undo" title="Undo (Ctrl/Cmd+Z)">
            ↶ Undo
          </Button>
          <Button size="sm" variant="ghost" onClick={() => dispatch({ type: "redo" })} disabled={!state.future.length} aria-label="Redo" title="Redo (Shift+Ctrl/Cmd+Z)">
            ↷ Redo
          </Button>
          <Button size="sm" variant="secondary" onClick={runMagicCut} disabled={!selectedVideo || (magic !== null && !magic.result && !magic.error)} title="Find silences and scene cuts in the selected clip">
            Magic Cut
          </Button>
          <label className="sr-only" htmlFor="export-preset">
            Export preset
          </label>
          <select id="export-preset" className={selectCls} value={preset} onChange={(e) => setPreset(e.target.value)}>
            {EXPORT_PRESETS.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
          <label className="sr-only" htmlFor="export-quality">
            Export quality
          </label>
          <select id="export-quality" className={selectCls} value={quality} onChange={(e) => setQuality(e.target.value)}>
            {EXPORT_QUALITIES.map((q) => (
              <option key={q}>{q}</option>
            ))}
          </select>
          <Button size="sm" onClick={runExport} disabled={exp !== null && !exp.error && exp.row?.status !== "succeeded" && exp.job?.status !== "succeeded"}>
            Export
          </Button>
        </div>
      </div>

      {save === "conflict" && (
        <div role="alert" className="flex flex-wrap items-center gap-2 rounded-lg border border-danger/30 bg-danger/10 px-3 py-2 text-sm text-danger">
          This project was changed in another tab or window. Your latest changes are not saved.
          <Button size="sm" variant="secondary" onClick={reloadFromServer}>
            Load the other version
          </Button>
          <Button size="sm" variant="danger" onClick={overwriteServer}>
            Keep mine and overwrite
          </Button>
        </div>
      )}
      {save === "error" && saveError && <FormAlert>Could not save: {saveError}</FormAlert>}
      {notice && (
        <div role="status" className="flex items-center gap-2 rounded-lg border border-text/10 bg-surface px-3 py-1.5 text-xs">
          {notice}
          <button type="button" className="ml-auto text-muted hover:text-text" aria-label="Dismiss" onClick={() => setNotice(null)}>
            ✕
          </button>
        </div>
      )}
      {magic && (
        <div role="region" aria-label="Magic Cut" className="flex flex-wrap items-center gap-2 rounded-lg border border-secondary/30 bg-secondary/10 px-3 py-1.5 text-xs">
          {magic.error ? (
            <span className="text-danger">Magic Cut failed: {magic.error}</span>
          ) : magic.result ? (
            <>
              <span>
                Found {magic.result.silences?.length ?? 0} silences and {magic.result.scenes?.length ?? 0} scene cuts (marked on the timeline).
              </span>
              <Button size="sm" onClick={applyMagic}>
                Apply Magic Cut
              </Button>
            </>
          ) : (
            <div className="w-48">
              <ProgressBar value={magic.job?.progress ?? 0} label="Magic Cut progress" />
            </div>
          )}
          <Button size="sm" variant="ghost" className="ml-auto" onClick={() => setMagic(null)}>
            Dismiss
          </Button>
        </div>
      )}
      {exp && (
        <div role="region" aria-label="Export" className="flex flex-wrap items-center gap-3 rounded-lg border border-text/10 bg-surface px-3 py-1.5 text-xs">
          {exp.error ? (
            <span className="text-danger">Export failed: {exp.error}</span>
          ) : exp.row?.status === "succeeded" && exp.row.download_url ? (
            <>
              <span className="text-success">Export ready ({exp.row.preset}).</span>
              <a className="font-medium text-primary underline" href={exp.row.download_url} download>
                Download MP4
              </a>
              <OfferShares exportId={exp.row.id} />
            </>
          ) : (
            <>
              <span>
                Exporting… {exp.job?.stage ? `${exp.job.stage} · ` : ""}
                {exp.job?.progress ?? 0}%
              </span>
              <div className="w-56">
                <ProgressBar value={exp.job?.progress ?? 0} label="Export progress" />
              </div>
            </>
          )}
          <a className="text-primary underline" href={interchangeUrl(projectId, "otio")} download>
            Download OTIO
          </a>
          <a className="text-primary underline" href={interchangeUrl(projectId, "fcpxml")} download>
            Download FCP XML
          </a>
        </div>
      )}

      {/* a phone: the grid dissolves into the column, ordered preview, timeline (scrolling
          sideways), media bin, inspector; from lg on: bin | preview | inspector above the timeline */}
      <div className="contents lg:grid lg:h-[19rem] lg:grid-cols-[13rem_minmax(0,1fr)_15rem] lg:gap-2">
        <MediaBin
          className="order-3 max-h-80 lg:order-none lg:max-h-none"
          assets={Object.values(assets).sort((a, b) => a.created_at.localeCompare(b.created_at))}
          onUploaded={addAsset}
          onAdd={(a) => {
            // a new clip goes after the last clip of its track (images: at the playhead)
            const spans = itemSpans(tl, state.assets);
            const track = a.kind === "audio" ? tl.audio_tracks.find((t) => t.id !== "n1") : tl.video_tracks[0];
            const end = Math.max(0, ...(track?.clips.map((c) => spans.get(c.id)?.end ?? 0) ?? []));
            dispatch({ type: "addClip", assetId: a.id, trackId: track?.id, start: a.kind === "image" ? state.playhead : end });
          }}
        />
        <section aria-label="Preview" className="order-1 flex h-60 min-w-0 flex-col rounded-xl border border-text/10 bg-surface lg:order-none lg:h-auto">
          <div ref={stageRef} className="grid min-h-0 flex-1 place-items-center bg-background p-1">
            {loaded && (
              <Player
                ref={player}
                component={TimelineComposition}
                inputProps={inputProps}
                durationInFrames={duration}
                compositionWidth={tl.canvas.width}
                compositionHeight={tl.canvas.height}
                fps={fps}
                playbackRate={rate}
                style={(stage && pixelExactSize(stage.width, stage.height, tl.canvas.width, tl.canvas.height)) ?? { width: "100%", height: "100%" }}
                clickToPlay={false}
                acknowledgeRemotionLicense
              />
            )}
          </div>
          <div className="flex items-center gap-2 border-t border-text/10 px-2 py-1">
            <Button size="sm" variant="ghost" className="h-7!" onClick={togglePlay} aria-label={playing ? "Pause preview" : "Play preview"}>
              {playing ? "❚❚" : "▶"}
            </Button>
            <span className="font-mono text-xs tabular-nums" aria-label="Playhead timecode">
              {timecode(state.playhead, tl.canvas.fps)}
            </span>
            <span className="text-xs text-muted">/ {timecode(duration, tl.canvas.fps)}</span>
            {rate !== 1 && <span className="text-xs text-warning">{rate}×</span>}
          </div>
        </section>
        <aside aria-labelledby="inspector-title" className="order-4 min-h-0 overflow-y-auto rounded-xl border border-text/10 bg-surface lg:order-none">
          <h2 id="inspector-title" className="border-b border-text/10 px-3 py-2 text-sm font-semibold">
            Inspector
          </h2>
          <Inspector state={state} dispatch={dispatch} labels={labels} />
          {tts && (
            <div className="space-y-1.5 border-t border-text/10 p-3">
              <label htmlFor="narration-text" className="text-xs font-medium">
                Narration
              </label>
              <textarea id="narration-text" rows={2} className="block w-full rounded-md border border-text/15 bg-background/60 px-2 py-1 text-xs" value={script} onChange={(e) => setScript(e.target.value)} />
              <label htmlFor="narration-voice" className="sr-only">
                Narration voice
              </label>
              <select id="narration-voice" className={`${selectCls} w-full`} value={voice} onChange={(e) => setVoice(e.target.value)}>
                <option value="default">Default voice</option>
                <option value="me" disabled={!cloned}>
                  {cloned ? "My voice" : "My voice (clone it on the Voice page first)"}
                </option>
              </select>
              <Button size="sm" className="w-full" onClick={narrate} busy={narrating} disabled={!script.trim()}>
                Narrate at playhead
              </Button>
            </div>
          )}
        </aside>
      </div>

      <div className="contents lg:grid lg:grid-cols-[minmax(0,1fr)_20rem] lg:gap-2">
      <section aria-label="Timeline" className="order-2 min-w-0 rounded-xl border border-text/10 bg-surface lg:order-none">
        <div className="flex flex-wrap items-center gap-1.5 border-b border-text/10 px-2 py-1">
          <Button size="sm" variant="ghost" className="h-7!" onClick={() => dispatch({ type: "split" })} title="Split at playhead (S)">
            Split
          </Button>
          <Button size="sm" variant="ghost" className="h-7!" onClick={() => dispatch({ type: "delete", ripple: false })} disabled={!state.selection} title="Delete (Delete)">
            Delete
          </Button>
          <Button size="sm" variant="ghost" className="h-7!" onClick={() => dispatch({ type: "delete", ripple: true })} disabled={!state.selection} title="Ripple delete (Shift+Delete)">
            Ripple delete
          </Button>
          <Button size="sm" variant="ghost" className="h-7!" onClick={() => dispatch({ type: "addText" })}>
            Add text
          </Button>
          <label className="ml-3 flex items-center gap-1 text-xs text-muted">
            <input type="checkbox" className="accent-primary" checked={snap} onChange={(e) => setSnap(e.target.checked)} />
            Snapping
          </label>
          <label className="ml-auto flex items-center gap-1 text-xs text-muted">
            Zoom
            <input type="range" min={0.25} max={12} step={0.25} value={zoom} onChange={(e) => setZoom(Number(e.target.value))} className="w-28 accent-primary" />
          </label>
        </div>
        <TimelineView state={state} dispatch={dispatch} assets={assets} pxPerFrame={zoom} snap={snap} marks={marks} onSeek={(f) => {
          player.current?.pause();
          seek(f);
        }} />
        <p className="px-2 py-1 text-[10px] text-muted">
          Space play/pause · J/K/L shuttle · S split · Delete / Shift+Delete ripple · ←/→ one frame · Ctrl/Cmd+Z undo · Shift+Ctrl/Cmd+Z redo
        </p>
      </section>
      {loaded && (
        <div className="order-5 min-w-0 lg:order-none lg:max-h-[24rem]">
          <TranscriptPanel
            projectId={projectId}
            timeline={tl}
            savedVersion={savedVersion}
            playhead={state.playhead}
            assetNames={Object.fromEntries(Object.values(assets).map((a) => [a.id, a.filename]))}
            onSeek={(f) => {
              player.current?.pause();
              seek(f);
            }}
            serverEdit={serverEdit}
            onCaptions={(captions, coalesce) => dispatch({ type: "replace", timeline: { ...tl, captions }, coalesce })}
          />
        </div>
      )}
      </div>
    </div>
  );

}
