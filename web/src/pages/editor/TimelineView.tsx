/**
 * The multi-track timeline: ruler in timecode, video tracks (top track drawn first), the overlay
 * track, audio and narration tracks. Clips move by pointer drag (one undo step on drop), trim by
 * their edge handles (pointer, or focus + arrow keys), accept assets dragged from the bin.
 * While a drag is in flight the timeline is drawn from the reducer run on the drop's action, so
 * what you see (snapped, on its new track) is exactly what releasing the button does; a drop the
 * reducer would refuse (an overlap) is drawn where it would land, dashed and marked refused.
 */
import { type Dispatch, type DragEvent, type KeyboardEvent, type PointerEvent, useRef, useState } from "react";
import type { Asset } from "./editorApi";
import { ASSET_MIME, Waveform, useWaveform } from "./MediaBin";
import { type Timeline, itemSpans, parseRate, rateValue, timecode, timelineDuration } from "./model";
import { formatSeconds, itemLabels } from "./labels";
import { type EditorAction, type EditorState, previewEdit } from "./reducer";

const HEAD = 72; // px of the track label column
const SNAP_PX = 8;

export interface Marks {
  silences: { start: number; end: number }[];
  scenes: number[];
}

type Drag =
  | { mode: "move"; id: string; x0: number; start0: number; dx: number; trackKind: "video" | "audio" | "overlay"; trackId: string; trackId0: string }
  | { mode: "trim"; id: string; edge: "start" | "end"; x0: number; frame0: number; dx: number }
  | { mode: "scrub" };

interface Row {
  id: string;
  label: string;
  kind: "video" | "audio" | "overlay";
}

function rows(tl: Timeline): Row[] {
  const out: Row[] = [];
  for (const t of [...tl.video_tracks].reverse()) out.push({ id: t.id, label: `Video ${t.id.toUpperCase()}`, kind: "video" });
  out.push({ id: "overlays", label: "Overlays", kind: "overlay" });
  for (const t of tl.audio_tracks) out.push({ id: t.id, label: t.id === "n1" ? "Narration" : `Audio ${t.id.toUpperCase()}`, kind: "audio" });
  return out;
}

/** The action releasing the button would dispatch: null for a click, a scrub or a jitter. */
function dropAction(drag: Drag | null, pxPerFrame: number, snap: number): EditorAction | null {
  if (drag?.mode === "move" && (Math.abs(drag.dx) > 2 || drag.trackId !== drag.trackId0)) {
    const trackId = drag.trackKind === "overlay" ? undefined : drag.trackId;
    return { type: "move", id: drag.id, start: drag.start0 + drag.dx / pxPerFrame, trackId, snap };
  }
  if (drag?.mode === "trim" && Math.abs(drag.dx) > 1) {
    return { type: "trim", id: drag.id, edge: drag.edge, frame: drag.frame0 + drag.dx / pxPerFrame, snap };
  }
  return null;
}

function rulerStep(pxPerFrame: number, fps: number): number {
  // a label every N frames, N a nice multiple of a second (or of frames when zoomed far in)
  const candidates = [1, 2, 5, 10, 15, fps, 2 * fps, 5 * fps, 10 * fps, 30 * fps, 60 * fps, 300 * fps];
  return Math.round(candidates.find((c) => c * pxPerFrame >= 70) ?? 600 * fps);
}

function ClipBox(props: {
  id: string;
  label: string;
  left: number;
  width: number;
  selected: boolean;
  refused?: boolean;
  tone: string;
  thumb?: { url: string; offset: number; total: number } | null;
  waveformUrl?: string | null;
  onPointerDown: (e: PointerEvent, mode: "move" | "start" | "end") => void;
  onTrimKey: (edge: "start" | "end", delta: number) => void;
  onSelect: () => void;
}) {
  const peaks = useWaveform(props.waveformUrl, 96);
  const key = (edge: "start" | "end") => (e: KeyboardEvent) => {
    if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      e.preventDefault();
      e.stopPropagation();
      props.onTrimKey(edge, (e.key === "ArrowLeft" ? -1 : 1) * (e.shiftKey ? 10 : 1));
    }
  };
  const thumb = props.thumb;
  return (
    <div
      role="button"
      tabIndex={0}
      aria-label={`Clip ${props.label}`}
      aria-pressed={props.selected}
      data-clip-id={props.id}
      data-drop={props.refused ? "refused" : undefined}
      title={props.refused ? "Can't drop here" : undefined}
      onPointerDown={(e) => props.onPointerDown(e, "move")}
      onKeyDown={(e) => {
        if (e.key === "Enter") props.onSelect();
      }}
      className={`absolute top-1 bottom-1 cursor-grab overflow-hidden rounded-md border text-[11px] select-none active:cursor-grabbing ${props.tone} ${
        props.selected ? "z-10 ring-2 ring-text" : ""
      } ${props.refused ? "border-2 border-dashed border-danger opacity-70" : ""}`}
      style={{
        left: props.left,
        width: Math.max(4, props.width),
        ...(thumb
          ? {
              backgroundImage: `url("${thumb.url}")`,
              backgroundSize: `${props.width * thumb.total}px 100%`,
              backgroundRepeat: "no-repeat",
              backgroundPosition: `${-thumb.offset * props.width}px 0`,
            }
          : {}),
      }}
    >
      {peaks && <Waveform peaks={peaks} className="pointer-events-none absolute inset-x-0 bottom-0 h-1/2 w-full text-text/70" />}
      <span className="pointer-events-none relative m-1 inline-block max-w-full truncate rounded bg-background/70 px-1 text-text">
        {props.label}
      </span>
      <span
        role="slider"
        tabIndex={0}
        aria-label={`Trim start of ${props.label}`}
        aria-valuetext="start"
        onPointerDown={(e) => {
          e.stopPropagation();
          props.onPointerDown(e, "start");
        }}
        onKeyDown={key("start")}
        className="absolute inset-y-0 left-0 w-2 cursor-ew-resize bg-text/40 hover:bg-text"
      />
      <span
        role="slider"
        tabIndex={0}
        aria-label={`Trim end of ${props.label}`}
        aria-valuetext="end"
        onPointerDown={(e) => {
          e.stopPropagation();
          props.onPointerDown(e, "end");
        }}
        onKeyDown={key("end")}
        className="absolute inset-y-0 right-0 w-2 cursor-ew-resize bg-text/40 hover:bg-text"
      />
    </div>
  );
}

export function TimelineView({
  state,
  dispatch,
  assets,
  pxPerFrame,
  snap,
  marks,
  onSeek,
}: {
  state: EditorState;
  dispatch: Dispatch<EditorAction>;
  assets: Record<string, Asset>;
  pxPerFrame: number;
  snap: boolean;
  marks: Marks | null;
  onSeek: (frame: number) => void;
}) {
  const [drag, setDrag] = useState<Drag | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const area = useRef<HTMLDivElement>(null);
  const snapFrames = snap ? SNAP_PX / pxPerFrame : 0;
  const pending = dropAction(drag, pxPerFrame, snapFrames);
  const { state: landed, refused } = pending ? previewEdit(state, pending) : { state, refused: false };
  const tl = landed.present;
  const fps = rateValue(parseRate(tl.canvas.fps));
  const spans = itemSpans(tl, state.assets);
  const labels = itemLabels(tl, (id) => assets[id]?.filename);
  const duration = timelineDuration(tl, state.assets);
  const width = Math.max(800, (duration + 10 * fps) * pxPerFrame);

  const frameAt = (clientX: number) => {
    const box = area.current?.getBoundingClientRect();
    return Math.max(0, Math.round((clientX - (box?.left ?? 0)) / pxPerFrame));
  };

  const rowAt = (clientX: number, clientY: number): string | null => {
    for (const el of document.elementsFromPoint(clientX, clientY)) {
      const id = (el as HTMLElement).dataset?.trackId;
      if (id) return id;
    }
    return null;
  };

  const beginClip = (id: string, kind: Row["kind"], trackId: string) => (e: PointerEvent, mode: "move" | "start" | "end") => {
    if (e.button !== 0) return;
    root.current?.setPointerCapture?.(e.pointerId); // the clip's own element may move to another row
    dispatch({ type: "select", id });
    const span = spans.get(id)!;
    if (mode === "move") setDrag({ mode: "move", id, x0: e.clientX, start0: span.start, dx: 0, trackKind: kind, trackId, trackId0: trackId });
    else setDrag({ mode: "trim", id, edge: mode, x0: e.clientX, frame0: mode === "start" ? span.start : span.end, dx: 0 });
  };

  const onPointerMove = (e: PointerEvent) => {
    if (!drag) return;
    if (drag.mode === "scrub") onSeek(frameAt(e.clientX));
    else if (drag.mode === "move") {
      const over = rowAt(e.clientX, e.clientY);
      const row = rows(tl).find((r) => r.id === over);
      setDrag({ ...drag, dx: e.clientX - drag.x0, trackId: row && row.kind === drag.trackKind ? row.id : drag.trackId });
    } else setDrag({ ...drag, dx: e.clientX - drag.x0 });
  };

  const onPointerUp = () => {
    if (pending) dispatch(pending);
    setDrag(null);
  };

  const onDrop = (row: Row) => (e: DragEvent) => {
    const id = e.dataTransfer.getData(ASSET_MIME);
    if (!id) return;
    e.preventDefault();
    const kind = state.assets[id]?.kind;
    const trackId = kind === "video" && row.kind === "video" ? row.id : kind === "audio" && row.kind === "audio" ? row.id : undefined;
    dispatch({ type: "addClip", assetId: id, trackId, start: frameAt(e.clientX), snap: snapFrames });
  };

  const step = rulerStep(pxPerFrame, Math.round(fps));
  const ticks: number[] = [];
  for (let f = 0; f * pxPerFrame < width; f += step) ticks.push(f);

  /** An item's box in px, flagged when it is the dragged one and the drop would be refused. */
  const place = (id: string, start: number, length: number) => ({
    left: start * pxPerFrame,
    width: length * pxPerFrame,
    refused: refused && drag !== null && drag.mode !== "scrub" && drag.id === id,
  });

  return (
    <div ref={root} className="relative overflow-x-auto" onPointerMove={onPointerMove} onPointerUp={onPointerUp} onPointerCancel={() => setDrag(null)}>
      <div style={{ width: width + HEAD }} className="relative">
        {/* ruler */}
        <div className="flex h-6 border-b border-text/10">
          <div style={{ width: HEAD }} className="sticky left-0 z-20 shrink-0 bg-surface" />
          <div
            ref={area}
            role="slider"
            tabIndex={-1}
            aria-label="Timeline ruler: click to move the playhead"
            aria-valuemin={0}
            aria-valuemax={duration}
            aria-valuenow={state.playhead}
            aria-valuetext={timecode(state.playhead, tl.canvas.fps)}
            className="relative flex-1 cursor-pointer"
            onPointerDown={(e) => {
              (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
              setDrag({ mode: "scrub" });
              onSeek(frameAt(e.clientX));
            }}
          >
            {ticks.map((f) => (
              <span key={f} className="absolute top-0 h-full border-l border-text/20 pl-1 text-[10px] tabular-nums text-muted" style={{ left: f * pxPerFrame }}>
                {timecode(f, tl.canvas.fps)}
              </span>
            ))}
          </div>
        </div>
        {rows(tl).map((row) => (
          <div key={row.id} className="flex h-12 border-b border-text/5">
            <div style={{ width: HEAD }} className="sticky left-0 z-20 flex shrink-0 items-center bg-surface px-2 text-[11px] font-medium text-muted">
              {row.label}
            </div>
            <div
              data-track-id={row.id}
              aria-label={`${row.label} track`}
              role="group"
              className="relative flex-1 bg-background/40"
              onDragOver={(e) => {
                if (e.dataTransfer.types.includes(ASSET_MIME)) e.preventDefault();
              }}
              onDrop={onDrop(row)}
              onPointerDown={(e) => {
                if (e.target === e.currentTarget) dispatch({ type: "select", id: null });
              }}
            >
              {row.kind === "video" &&
                (() => {
                  const track = tl.video_tracks.find((t) => t.id === row.id)!;
                  return (
                    <>
                      {track.clips.map((c) => {
                        const s = spans.get(c.id)!;
                        const a = assets[c.asset_id];
                        const frames = state.assets[c.asset_id]?.frames || 1;
                        const g = place(c.id, s.start, s.end - s.start);
                        return (
                          <ClipBox
                            key={c.id}
                            id={c.id}
                            label={labels.get(c.id) ?? c.id}
                            left={g.left}
                            refused={g.refused}
                            width={g.width}
                            selected={state.selection === c.id}
                            tone="border-primary/60 bg-primary/30"
                            thumb={
                              a?.thumbnails_url
                                ? { url: a.thumbnails_url, offset: c.source_in / (c.source_out - c.source_in), total: frames / (c.source_out - c.source_in) }
                                : null
                            }
                            onPointerDown={beginClip(c.id, "video", row.id)}
                            onSelect={() => dispatch({ type: "select", id: c.id })}
                            onTrimKey={(edge, d) =>
                              dispatch({ type: "trim", id: c.id, edge, frame: (edge === "start" ? s.start : s.end) + d })
                            }
                          />
                        );
                      })}
                      {track.transitions.map((t) => {
                        const b = spans.get(t.to_clip);
                        if (!b) return null;
                        return (
                          <div
                            key={`${t.from_clip}>${t.to_clip}`}
                            title={`Crossfade ${formatSeconds(t.length, tl.canvas.fps)} (${t.length} frames)`}
                            aria-label={`Crossfade from ${labels.get(t.from_clip) ?? t.from_clip} to ${labels.get(t.to_clip) ?? t.to_clip}, ${formatSeconds(t.length, tl.canvas.fps)}`}
                            role="img"
                            className="pointer-events-none absolute inset-y-0 z-20 border-x border-warning bg-linear-to-r from-warning/10 to-warning/50"
                            style={{ left: b.start * pxPerFrame, width: t.length * pxPerFrame }}
                          />
                        );
                      })}
                      {marks &&
                        row.id === tl.video_tracks[0]?.id &&
                        marks.silences.map((m, i) => (
                          <div
                            key={`s${i}`}
                            role="img"
                            aria-label={`Silence ${timecode(m.start, tl.canvas.fps)} to ${timecode(m.end, tl.canvas.fps)}`}
                            className="pointer-events-none absolute inset-y-0 z-20 bg-danger/40 bg-[repeating-linear-gradient(45deg,transparent_0_4px,rgba(0,0,0,.35)_4px_8px)]"
                            style={{ left: m.start * pxPerFrame, width: (m.end - m.start) * pxPerFrame }}
                          />
                        ))}
                      {marks &&
                        row.id === tl.video_tracks[0]?.id &&
                        marks.scenes.map((f, i) => (
                          <div
                            key={`c${i}`}
                            role="img"
                            aria-label={`Scene cut at ${timecode(f, tl.canvas.fps)}`}
                            className="pointer-events-none absolute inset-y-0 z-20 w-0.5 bg-secondary"
                            style={{ left: f * pxPerFrame }}
                          />
                        ))}
                    </>
                  );
                })()}
              {row.kind === "audio" &&
                tl.audio_tracks
                  .find((t) => t.id === row.id)!
                  .clips.map((c) => {
                    const g = place(c.id, c.start, c.length);
                    const a = assets[c.asset_id];
                    return (
                      <ClipBox
                        key={c.id}
                        id={c.id}
                        label={labels.get(c.id) ?? c.id}
                        left={g.left}
                        refused={g.refused}
                        width={g.width}
                        selected={state.selection === c.id}
                        tone={c.type === "narration" ? "border-warning/60 bg-warning/25" : "border-success/60 bg-success/25"}
                        waveformUrl={a?.waveform_url}
                        onPointerDown={beginClip(c.id, "audio", row.id)}
                        onSelect={() => dispatch({ type: "select", id: c.id })}
                        onTrimKey={(edge, d) => dispatch({ type: "trim", id: c.id, edge, frame: (edge === "start" ? c.start : c.start + c.length) + d })}
                      />
                    );
                  })}
              {row.kind === "overlay" &&
                tl.overlays.map((o) => {
                  const g = place(o.id, o.start, o.length);
                  const label = labels.get(o.id) ?? o.id;
                  return (
                    <ClipBox
                      key={o.id}
                      id={o.id}
                      label={label}
                      left={g.left}
                      refused={g.refused}
                      width={g.width}
                      selected={state.selection === o.id}
                      tone="border-secondary/60 bg-secondary/25"
                      onPointerDown={beginClip(o.id, "overlay", "overlays")}
                      onSelect={() => dispatch({ type: "select", id: o.id })}
                      onTrimKey={(edge, d) => dispatch({ type: "trim", id: o.id, edge, frame: (edge === "start" ? o.start : o.start + o.length) + d })}
                    />
                  );
                })}
            </div>
          </div>
        ))}
        {/* playhead */}
        <div
          aria-hidden="true"
          className="pointer-events-none absolute top-0 bottom-0 z-30 w-px bg-danger"
          style={{ left: HEAD + state.playhead * pxPerFrame }}
        >
          <span className="absolute -left-1.5 top-0 size-3 rotate-45 bg-danger" />
        </div>
      </div>
    </div>
  );
}
