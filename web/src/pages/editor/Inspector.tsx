/** Properties of the selected clip or overlay; every change is an undoable reducer edit. */
import { type Dispatch, type ReactNode, useEffect, useId, useState } from "react";
import { Button } from "../../components/Button";
import { inputClass } from "../../components/Field";
import { FONTS, type Timeline, findItem, itemSpans, timecode } from "./model";
import { formatSeconds, framesToSeconds, secondsToFrames } from "./labels";
import type { EditorAction, EditorState } from "./reducer";

function Row({ label, children }: { label: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="grid grid-cols-[5.5rem_1fr] items-center gap-2">
      <label htmlFor={id} className="text-xs text-muted">
        {label}
      </label>
      {children(id)}
    </div>
  );
}

const small = `${inputClass} py-1! px-2! text-xs!`;

function NumberRow(props: {
  label: string;
  value: number | null | undefined;
  min?: number;
  max?: number;
  step?: number;
  placeholder?: string;
  onChange: (v: number | null) => void;
}) {
  return (
    <Row label={props.label}>
      {(id) => (
        <input
          id={id}
          type="number"
          className={small}
          value={props.value ?? ""}
          placeholder={props.placeholder}
          min={props.min}
          max={props.max}
          step={props.step ?? 1}
          onChange={(e) => {
            if (e.target.value === "") return props.onChange(null);
            const v = Number(e.target.value);
            if (Number.isFinite(v)) props.onChange(v);
          }}
        />
      )}
    </Row>
  );
}

/**
 * A duration typed in seconds and kept in whole frames at the timeline rate; the tooltip says how
 * many frames that is. The text is the person's own while they type ("1." stays "1.").
 */
function SecondsRow(props: { label: string; frames: number; fps: string; min?: number; max?: number; onChange: (frames: number) => void }) {
  const shown = (f: number) => String(Number(framesToSeconds(f, props.fps).toFixed(2)));
  const [text, setText] = useState(shown(props.frames));
  const [editing, setEditing] = useState(false);
  useEffect(() => {
    if (!editing) setText(shown(props.frames));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.frames, props.fps, editing]);
  const tip = `${props.frames} frame${props.frames === 1 ? "" : "s"} at ${props.fps} fps`;
  return (
    <Row label={`${props.label} (s)`}>
      {(id) => (
        <input
          id={id}
          type="number"
          inputMode="decimal"
          className={small}
          value={text}
          title={tip}
          step={0.1}
          min={props.min !== undefined ? framesToSeconds(props.min, props.fps) : undefined}
          max={props.max !== undefined ? framesToSeconds(props.max, props.fps) : undefined}
          onFocus={() => setEditing(true)}
          onBlur={() => setEditing(false)}
          onChange={(e) => {
            setText(e.target.value);
            const v = Number(e.target.value);
            if (e.target.value !== "" && Number.isFinite(v)) props.onChange(secondsToFrames(v, props.fps));
          }}
        />
      )}
    </Row>
  );
}

function RangeRow(props: { label: string; value: number; min: number; max: number; step: number; onChange: (v: number) => void }) {
  return (
    <Row label={props.label}>
      {(id) => (
        <div className="flex items-center gap-2">
          <input
            id={id}
            type="range"
            className="min-w-0 flex-1 accent-primary"
            min={props.min}
            max={props.max}
            step={props.step}
            value={props.value}
            onChange={(e) => props.onChange(Number(e.target.value))}
          />
          <span className="w-9 text-right text-[11px] tabular-nums text-muted">{props.value.toFixed(2)}</span>
        </div>
      )}
    </Row>
  );
}

function nextClipOf(tl: Timeline, state: EditorState, id: string): string | null {
  const ref = findItem(tl, id);
  if (!ref || ref.kind !== "video") return null;
  const spans = itemSpans(tl, state.assets);
  const me = spans.get(id)!;
  const next = tl.video_tracks[ref.track].clips
    .filter((c) => c.id !== id && c.start >= me.start)
    .sort((a, b) => a.start - b.start)[0];
  return next ? next.id : null;
}

export function Inspector({
  state,
  dispatch,
  labels,
}: {
  state: EditorState;
  dispatch: Dispatch<EditorAction>;
  /** Clip and overlay labels (file names), from `itemLabels`. */
  labels?: Map<string, string>;
}) {
  const tl = state.present;
  const id = state.selection;
  const ref = id ? findItem(tl, id) : null;
  const [xfade, setXfade] = useState(15);
  if (!id || !ref) {
    return <p className="px-3 py-4 text-xs text-muted">Select a clip or overlay to edit its properties.</p>;
  }
  const up = (field: string) => (value: unknown) =>
    dispatch({ type: "update", id, patch: { [field]: value }, coalesce: `${id}.${field}` });
  const span = itemSpans(tl, state.assets).get(id)!;
  const len = span.end - span.start;
  const fps = tl.canvas.fps;
  const name = (itemId: string) => labels?.get(itemId) ?? itemId;
  const header = (
    <p className="text-[11px] text-muted tabular-nums">
      {name(id)} · {timecode(span.start, fps)} ·{" "}
      <span title={`${len} frames`}>{formatSeconds(len, fps)}</span>
    </p>
  );

  if (ref.kind === "video") {
    const c = ref.clip;
    const track = tl.video_tracks[ref.track];
    const outgoing = track.transitions.find((t) => t.from_clip === id);
    const incoming = track.transitions.find((t) => t.to_clip === id);
    const next = nextClipOf(tl, state, id);
    return (
      <div className="space-y-2 p-3">
        {header}
        <RangeRow label="Volume" value={c.volume ?? 1} min={0} max={2} step={0.05} onChange={up("volume")} />
        <RangeRow label="Opacity" value={c.opacity ?? 1} min={0} max={1} step={0.05} onChange={up("opacity")} />
        <SecondsRow label="Fade in" frames={c.fade_in ?? 0} fps={fps} min={0} max={len} onChange={(v) => up("fade_in")(Math.max(0, Math.min(len, v)))} />
        <SecondsRow label="Fade out" frames={c.fade_out ?? 0} fps={fps} min={0} max={len} onChange={(v) => up("fade_out")(Math.max(0, Math.min(len, v)))} />
        <NumberRow label="Scale" value={c.scale ?? 1} min={0.05} max={8} step={0.05} onChange={(v) => v && v > 0 && up("scale")(v)} />
        <NumberRow label="X (px)" value={c.x} placeholder="centre" onChange={(v) => up("x")(v === null ? null : Math.round(v))} />
        <NumberRow label="Y (px)" value={c.y} placeholder="centre" onChange={(v) => up("y")(v === null ? null : Math.round(v))} />
        <div className="border-t border-text/10 pt-2">
          {outgoing ? (
            <Button size="sm" variant="secondary" className="w-full" onClick={() => dispatch({ type: "removeTransition", fromId: id, toId: outgoing.to_clip })}>
              Remove crossfade ({formatSeconds(outgoing.length, fps)})
            </Button>
          ) : next ? (
            <div className="space-y-2">
              <SecondsRow label="Crossfade" frames={xfade} fps={fps} min={1} onChange={(v) => setXfade(Math.max(1, v))} />
              <Button size="sm" variant="secondary" className="w-full" onClick={() => dispatch({ type: "crossfade", fromId: id, toId: next, length: xfade })}>
                Crossfade into next clip
              </Button>
            </div>
          ) : (
            <p className="text-[11px] text-muted">No clip after this one on its track to crossfade into.</p>
          )}
          {incoming && (
            <p className="mt-1 text-[11px] text-muted" title={`${incoming.length} frames`}>
              Crossfades in from {name(incoming.from_clip)} ({formatSeconds(incoming.length, fps)}).
            </p>
          )}
        </div>
      </div>
    );
  }
  if (ref.kind === "audio") {
    const c = ref.clip;
    return (
      <div className="space-y-2 p-3">
        {header}
        {c.script && <p className="text-xs text-muted">“{c.script}”</p>}
        <RangeRow label="Volume" value={c.volume ?? 1} min={0} max={2} step={0.05} onChange={up("volume")} />
        <SecondsRow label="Fade in" frames={c.fade_in ?? 0} fps={fps} min={0} max={len} onChange={(v) => up("fade_in")(Math.max(0, Math.min(len, v)))} />
        <SecondsRow label="Fade out" frames={c.fade_out ?? 0} fps={fps} min={0} max={len} onChange={(v) => up("fade_out")(Math.max(0, Math.min(len, v)))} />
      </div>
    );
  }
  const o = ref.overlay;
  if (o.type === "text") {
    return (
      <div className="space-y-2 p-3">
        {header}
        <Row label="Text">
          {(fid) => (
            <textarea id={fid} rows={2} className={small} value={o.text} onChange={(e) => e.target.value && up("text")(e.target.value)} />
          )}
        </Row>
        <Row label="Font">
          {(fid) => (
            <select id={fid} className={small} value={o.font ?? "DejaVu Sans"} onChange={(e) => up("font")(e.target.value)}>
              {FONTS.map((f) => (
                <option key={f}>{f}</option>
              ))}
            </select>
          )}
        </Row>
        <NumberRow label="Size (px)" value={o.size ?? 48} min={4} max={1000} onChange={(v) => v && up("size")(Math.max(4, Math.min(1000, Math.round(v))))} />
        <Row label="Colour">
          {(fid) => <input id={fid} type="color" className="h-7 w-full rounded" value={(o.color ?? "#ffffff").slice(0, 7)} onChange={(e) => up("color")(e.target.value)} />}
        </Row>
        <Row label="Box">
          {(fid) => <input id={fid} type="checkbox" className="size-4 accent-primary" checked={o.box ?? false} onChange={(e) => up("box")(e.target.checked)} />}
        </Row>
        <NumberRow label="X (px)" value={o.x} placeholder="centre" onChange={(v) => up("x")(v === null ? null : Math.round(v))} />
        <NumberRow label="Y (px)" value={o.y} placeholder="centre" onChange={(v) => up("y")(v === null ? null : Math.round(v))} />
        <RangeRow label="Opacity" value={o.opacity ?? 1} min={0} max={1} step={0.05} onChange={up("opacity")} />
        <SecondsRow label="Length" frames={o.length} fps={fps} min={1} onChange={(v) => v >= 1 && up("length")(v)} />
      </div>
    );
  }
  return (
    <div className="space-y-2 p-3">
      {header}
      <NumberRow label="Scale" value={o.scale ?? 1} min={0.05} max={8} step={0.05} onChange={(v) => v && v > 0 && up("scale")(v)} />
      <NumberRow label="X (px)" value={o.x} placeholder="centre" onChange={(v) => up("x")(v === null ? null : Math.round(v))} />
      <NumberRow label="Y (px)" value={o.y} placeholder="centre" onChange={(v) => up("y")(v === null ? null : Math.round(v))} />
      <RangeRow label="Opacity" value={o.opacity ?? 1} min={0} max={1} step={0.05} onChange={up("opacity")} />
      <SecondsRow label="Fade in" frames={o.fade_in ?? 0} fps={fps} min={0} max={len} onChange={(v) => up("fade_in")(Math.max(0, Math.min(len, v)))} />
      <SecondsRow label="Fade out" frames={o.fade_out ?? 0} fps={fps} min={0} max={len} onChange={(v) => up("fade_out")(Math.max(0, Math.min(len, v)))} />
    </div>
  );
}
