/**
 * The editor's state as a pure reducer. The timeline document lives in an undo history
 * (past / present / future): undo and redo swap whole documents, so they are exact. Selection,
 * playhead and asset facts are not part of the history. An edit that would make the timeline
 * invalid (an overlap without a transition, a source range past the asset) is refused: the
 * state is returned unchanged.
 */
import {
  type AssetTable,
  type AudioClip,
  type Overlay,
  type Timeline,
  type Transition,
  type VideoClip,
  type VideoTrack,
  assetCanvasFrames,
  audioTrackValid,
  findItem,
  freshId,
  itemSpans,
  nearestSnap,
  parseRate,
  snapPoints,
  sourceFramesFor,
  videoClipLength,
  videoTrackValid,
} from "./model";

export const HISTORY_LIMIT = 200;

export interface EditorState {
  past: Timeline[];
  present: Timeline;
  future: Timeline[];
  assets: AssetTable;
  selection: string | null;
  playhead: number;
  /** Key of the last coalescing edit (typing in the inspector makes one undo step, not one per key). */
  coalesce: string | null;
}

export type EditorAction =
  | { type: "load"; timeline: Timeline; assets?: AssetTable }
  | { type: "assets"; assets: AssetTable }
  | { type: "select"; id: string | null }
  | { type: "playhead"; frame: number }
  | { type: "undo" }
  | { type: "redo" }
  | { type: "addClip"; assetId: string; trackId?: string; start: number; snap?: number }
  | { type: "move"; id: string; start: number; trackId?: string; snap?: number }
  | { type: "trim"; id: string; edge: "start" | "end"; frame: number; snap?: number }
  | { type: "split"; id?: string; at?: number }
  | { type: "delete"; id?: string; ripple: boolean }
  | { type: "update"; id: string; patch: Record<string, unknown>; coalesce?: string }
  | { type: "addText"; start?: number; length?: number; text?: string }
  | { type: "addImage"; assetId: string; start?: number; length?: number }
  | { type: "addNarration"; assetId: string; start?: number; length: number; voiceId?: string | null; script?: string }
  | { type: "crossfade"; fromId: string; toId?: string; length: number }
  | { type: "removeTransition"; fromId: string; toId: string }
  | { type: "magicCut"; assetId: string; trackId?: string; speech: [number, number][] }
  /** A whole new document as one undo step (a server edit: a transcript cut, new captions). */
  | { type: "replace"; timeline: Timeline; coalesce?: string };

export function initialState(timeline: Timeline, assets: AssetTable = {}): EditorState {
  return { past: [], present: timeline, future: [], assets, selection: null, playhead: 0, coalesce: null };
}

/** Replace the present with `next` as one undoable step (or merge into the last with the same key). */
function commit(state: EditorState, next: Timeline | null, coalesce: string | null = null): EditorState {
  if (next === null || next === state.present) return state;
  if (coalesce !== null && coalesce === state.coalesce) return { ...state, present: next, future: [] };
  const past = [...state.past, state.present];
  if (past.length > HISTORY_LIMIT) past.shift();
  return { ...state, past, present: next, future: [], coalesce };
}

/** What a new text overlay says until the creator types their own. */
export const DEFAULT_TEXT = "Your text";

let validating = true; // false only inside previewEdit, to see where a refused edit would land

/** The timeline after an edit, or null when the result is invalid. */
function checked(next: Timeline, assets: AssetTable): Timeline | null {
  if (!validating) return next;
  const rate = parseRate(next.canvas.fps);
  for (const t of next.video_tracks) if (!videoTrackValid(t, assets, rate)) return null;
  for (const t of next.audio_tracks) if (!audioTrackValid(t)) return null;
  for (const o of next.overlays) if (o.start < 0 || o.length <= 0) return null;
  return next;
}

function setVideoTrack(tl: Timeline, index: number, track: VideoTrack): Timeline {
  return { ...tl, video_tracks: tl.video_tracks.map((t, i) => (i === index ? track : t)) };
}

function setAudioClips(tl: Timeline, index: number, clips: AudioClip[]): Timeline {
  return { ...tl, audio_tracks: tl.audio_tracks.map((t, i) => (i === index ? { ...t, clips } : t)) };
}

function setOverlay(tl: Timeline, index: number, overlay: Overlay | null): Timeline {
  const overlays = [...tl.overlays];
  if (overlay) overlays[index] = overlay;
  else overlays.splice(index, 1);
  return { ...tl, overlays };
}

/** Snap a span's start so that its start or end lands on a snap point, if one is near. */
function snapStart(state: EditorState, start: number, length: number, exclude: string | null, threshold?: number) {
  if (!threshold || threshold <= 0) return Math.max(0, Math.round(start));
  const pts = snapPoints(state.present, state.assets, state.playhead, exclude);
  const a = nearestSnap(start, pts, threshold);
  const b = nearestSnap(start + length, pts, threshold);
  let out = start;
  if (a !== null && (b === null || Math.abs(a - start) <= Math.abs(b - start - length))) out = a;
  else if (b !== null) out = b - length;
  return Math.max(0, Math.round(out));
}

function snapFrame(state: EditorState, frame: number, exclude: string | null, threshold?: number) {
  if (!threshold || threshold <= 0) return Math.round(frame);
  const p = nearestSnap(frame, snapPoints(state.present, state.assets, state.playhead, exclude), threshold);
  return Math.round(p ?? frame);
}

export function editorReducer(state: EditorState, action: EditorAction): EditorState {
  const tl = state.present;
  const rate = parseRate(tl.canvas.fps);
  const assets = state.assets;
  switch (action.type) {
    case "load":
      return initialState(action.timeline, action.assets ?? state.assets);
    case "assets":
      return { ...state, assets: { ...state.assets, ...action.assets } };
    case "select":
      return { ...state, selection: action.id, coalesce: null };
    case "playhead":
      return { ...state, playhead: Math.max(0, Math.round(action.frame)), coalesce: null };
    case "undo": {
      if (state.past.length === 0) return state;
      const present = state.past[state.past.length - 1];
      return {
        ...state,
        past: state.past.slice(0, -1),
        present,
        future: [state.present, ...state.future],
        coalesce: null,
        selection: state.selection && findItem(present, state.selection) ? state.selection : null,
      };
    }
    case "redo": {
      if (state.future.length === 0) return state;
      const [present, ...future] = state.future;
      return {
        ...state,
        past: [...state.past, state.present],
        present,
        future,
        coalesce: null,
        selection: state.selection && findItem(present, state.selection) ? state.selection : null,
      };
    }
    case "addClip": {
      const asset = assets[action.assetId];
      if (!asset) return state;
      if (asset.kind === "image") return editorReducer(state, { type: "addImage", assetId: action.assetId, start: action.start });
      if (asset.kind === "video") {
        const t = Math.max(0, tl.video_tracks.findIndex((x) => x.id === action.trackId));
        if (!tl.video_tracks[t]) return state;
        const clip: VideoClip = { id: freshId(tl, "c"), asset_id: action.assetId, source_in: 0, source_out: Math.max(1, asset.frames), start: 0 };
        const len = videoClipLength(clip, asset, rate);
        clip.start = snapStart(state, action.start, len, null, action.snap);
        const track = tl.video_tracks[t];
        const next = checked(setVideoTrack(tl, t, { ...track, clips: [...track.clips, clip] }), assets);
        const s = commit(state, next);
        return s === state ? state : { ...s, selection: clip.id };
      }
      // audio: onto the named audio track (default: the first that is not narration)
      let t = tl.audio_tracks.findIndex((x) => x.id === action.trackId);
      if (t < 0) t = Math.max(0, tl.audio_tracks.findIndex((x) => x.id !== "n1"));
      if (!tl.audio_tracks[t]) return state;
      const length = Math.max(1, assetCanvasFrames(asset, rate));
      const clip: AudioClip = { type: "audio", id: freshId(tl, "a"), asset_id: action.assetId, source_in: 0, start: 0, length };
      clip.start = snapStart(state, action.start, length, null, action.snap);
      const next = checked(setAudioClips(tl, t, [...tl.audio_tracks[t].clips, clip]), assets);
      const s = commit(state, next);
      return s === state ? state : { ...s, selection: clip.id };
    }
    case "move": {
      const ref = findItem(tl, action.id);
      if (!ref) return state;
      if (ref.kind === "video") {
        const len = videoClipLength(ref.clip, assets[ref.clip.asset_id], rate);
        const start = snapStart(state, action.start, len, action.id, action.snap);
        const target = action.trackId ? tl.video_tracks.findIndex((x) => x.id === action.trackId) : ref.track;
        if (target < 0) return state;
        const src = tl.video_tracks[ref.track];
        const inTransition = src.transitions.some((x) => x.from_clip === action.id || x.to_clip === action.id);
        if (target === ref.track) {
          if (start === ref.clip.start) return state;
          const clips = src.clips.map((c) => (c.id === action.id ? { ...c, start } : c));
          // moving a clip out of its transition drops the transition
          const transitions = inTransition ? src.transitions.filter((x) => x.from_clip !== action.id && x.to_clip !== action.id) : src.transitions;
          return commit(state, checked(setVideoTrack(tl, target, { ...src, clips, transitions }), assets));
        }
        let next = setVideoTrack(tl, ref.track, {
          ...src,
          clips: src.clips.filter((c) => c.id !== action.id),
          transitions: src.transitions.filter((x) => x.from_clip !== action.id && x.to_clip !== action.id),
        });
        const dst = next.video_tracks[target];
        next = setVideoTrack(next, target, { ...dst, clips: [...dst.clips, { ...ref.clip, start }] });
        return commit(state, checked(next, assets));
      }
      if (ref.kind === "audio") {
        const start = snapStart(state, action.start, ref.clip.length, action.id, action.snap);
        const target = action.trackId ? tl.audio_tracks.findIndex((x) => x.id === action.trackId) : ref.track;
        if (target < 0) return state;
        if (target === ref.track) {
          if (start === ref.clip.start) return state;
          const clips = tl.audio_tracks[target].clips.map((c) => (c.id === action.id ? { ...c, start } : c));
          return commit(state, checked(setAudioClips(tl, target, clips), assets));
        }
        let next = setAudioClips(tl, ref.track, tl.audio_tracks[ref.track].clips.filter((c) => c.id !== action.id));
        next = setAudioClips(next, target, [...next.audio_tracks[target].clips, { ...ref.clip, start }]);
        return commit(state, checked(next, assets));
      }
      const start = snapStart(state, action.start, ref.overlay.length, action.id, action.snap);
      if (start === ref.overlay.start) return state;
      return commit(state, checked(setOverlay(tl, ref.index, { ...ref.overlay, start }), assets));
    }
    case "trim": {
      const ref = findItem(tl, action.id);
      if (!ref) return state;
      const frame = Math.max(0, snapFrame(state, action.frame, action.id, action.snap));
      if (ref.kind === "video") {
        const c = ref.clip;
        const asset = assets[c.asset_id];
        const len = videoClipLength(c, asset, rate);
        let clip: VideoClip;
        if (action.edge === "start") {
          // the new first frame: never past the last frame, never before the source's frame 0
          let d = Math.min(frame - c.start, len - 1);
          const srcDelta = d >= 0 ? sourceFramesFor(d, asset, rate) : -sourceFramesFor(-d, asset, rate);
          const sourceIn = Math.max(0, c.source_in + srcDelta);
          if (sourceIn === c.source_in) return state;
          if (sourceIn === 0) d = -videoClipLength({ ...c, source_in: 0, source_out: c.source_in }, asset, rate);
          if (sourceIn >= c.source_out) return state;
          clip = { ...c, source_in: sourceIn, start: c.start + d };
          if (clip.start < 0) return state;
        } else {
          const want = Math.max(1, frame - c.start);
          const n = Math.max(1, sourceFramesFor(want, asset, rate));
          const sourceOut = Math.min(asset ? Math.max(1, asset.frames) : Number.MAX_SAFE_INTEGER, c.source_in + n);
          if (sourceOut === c.source_out) return state;
          clip = { ...c, source_out: sourceOut };
        }
        const newLen = videoClipLength(clip, asset, rate);
        clip.fade_in = Math.min(clip.fade_in ?? 0, newLen);
        clip.fade_out = Math.min(clip.fade_out ?? 0, newLen);
        const track = tl.video_tracks[ref.track];
        const clips = track.clips.map((x) => (x.id === c.id ? clip : x));
        return commit(state, checked(setVideoTrack(tl, ref.track, { ...track, clips }), assets));
      }
      if (ref.kind === "audio") {
        const c = ref.clip;
        const max = assetCanvasFrames(assets[c.asset_id], rate);
        let clip: AudioClip;
        if (action.edge === "start") {
          const d = Math.max(-c.source_in, Math.min(frame - c.start, c.length - 1));
          if (d === 0) return state;
          clip = { ...c, start: c.start + d, source_in: c.source_in + d, length: c.length - d };
        } else {
          const length = Math.max(1, Math.min(frame - c.start, max - c.source_in));
          if (length === c.length) return state;
          clip = { ...c, length };
        }
        clip.fade_in = Math.min(clip.fade_in ?? 0, clip.length);
        clip.fade_out = Math.min(clip.fade_out ?? 0, clip.length);
        const clips = tl.audio_tracks[ref.track].clips.map((x) => (x.id === c.id ? clip : x));
        return commit(state, checked(setAudioClips(tl, ref.track, clips), assets));
      }
      const o = ref.overlay;
      const end = o.start + o.length;
      const next =
        action.edge === "start"
          ? { ...o, start: Math.min(frame, end - 1), length: end - Math.min(frame, end - 1) }
          : { ...o, length: Math.max(1, frame - o.start) };
      if (next.start === o.start && next.length === o.length) return state;
      if (next.type === "image") {
        next.fade_in = Math.min(next.fade_in ?? 0, next.length);
        next.fade_out = Math.min(next.fade_out ?? 0, next.length);
      }
      return commit(state, checked(setOverlay(tl, ref.index, next), assets));
    }
    case "split": {
      const at = action.at ?? state.playhead;
      const spans = itemSpans(tl, assets);
      let id = action.id ?? state.selection;
      const inside = (x: string | null) => {
        const s = x ? spans.get(x) : undefined;
        return !!s && s.start < at && at < s.end;
      };
      if (!inside(id)) {
        // no selected item under the playhead: the topmost video clip there, else any item
        id = null;
        for (const t of [...tl.video_tracks].reverse()) for (const c of t.clips) if (!id && inside(c.id)) id = c.id;
        for (const [k] of spans) if (!id && inside(k)) id = k;
      }
      if (!id) return state;
      const ref = findItem(tl, id);
      if (!ref) return state;
      const span = spans.get(id)!;
      const offset = at - span.start;
      if (ref.kind === "video") {
        const c = ref.clip;
        const asset = assets[c.asset_id];
        const cutSrc = c.source_in + sourceFramesFor(offset, asset, rate);
        if (cutSrc <= c.source_in || cutSrc >= c.source_out) return state;
        const left: VideoClip = { ...c, source_out: cutSrc, fade_out: 0 };
        const right: VideoClip = {
          ...c,
          id: freshId(tl, `${c.id}.`),
          source_in: cutSrc,
          start: c.start + videoClipLength(left, asset, rate),
          fade_in: 0,
        };
        left.fade_in = Math.min(c.fade_in ?? 0, videoClipLength(left, asset, rate));
        right.fade_out = Math.min(c.fade_out ?? 0, videoClipLength(right, asset, rate));
        const track = tl.video_tracks[ref.track];
        const clips = [...track.clips];
        clips.splice(ref.index, 1, left, right);
        // the outgoing side of a transition now belongs to the right piece
        const transitions = track.transitions.map((x) => (x.from_clip === c.id ? { ...x, from_clip: right.id } : x));
        const s = commit(state, checked(setVideoTrack(tl, ref.track, { ...track, clips, transitions }), assets));
        return s === state ? state : { ...s, selection: right.id };
      }
      if (ref.kind === "audio") {
        const c = ref.clip;
        const left: AudioClip = { ...c, length: offset, fade_out: 0, fade_in: Math.min(c.fade_in ?? 0, offset) };
        const right: AudioClip = {
          ...c,
          id: freshId(tl, `${c.id}.`),
          start: at,
          source_in: c.source_in + offset,
          length: c.length - offset,
          fade_in: 0,
          fade_out: Math.min(c.fade_out ?? 0, c.length - offset),
        };
        const clips = [...tl.audio_tracks[ref.track].clips];
        clips.splice(ref.index, 1, left, right);
        const s = commit(state, checked(setAudioClips(tl, ref.track, clips), assets));
        return s === state ? state : { ...s, selection: right.id };
      }
      const o = ref.overlay;
      const overlays = [...tl.overlays];
      const right = { ...o, id: freshId(tl, `${o.id}.`), start: at, length: o.length - offset };
      overlays.splice(ref.index, 1, { ...o, length: offset }, right);
      const s = commit(state, checked({ ...tl, overlays }, assets));
      return s === state ? state : { ...s, selection: right.id };
    }
    case "delete": {
      const id = action.id ?? state.selection;
      if (!id) return state;
      const ref = findItem(tl, id);
      if (!ref) return state;
      let next: Timeline;
      if (ref.kind === "video") {
        const track = tl.video_tracks[ref.track];
        const spans = itemSpans(tl, assets);
        const me = spans.get(id)!;
        const others = track.clips.filter((c) => c.id !== id);
        let shift = 0;
        if (action.ripple) {
          // close the hole the clip leaves (its span minus what its neighbours still cover)
          const prevEnd = Math.max(me.start, ...others.filter((c) => c.start < me.start).map((c) => spans.get(c.id)!.end));
          const nextStart = Math.min(me.end, ...others.filter((c) => c.start > me.start).map((c) => c.start));
          shift = Math.max(0, nextStart - prevEnd);
        }
        const clips = others.map((c) => (shift && c.start > me.start ? { ...c, start: c.start - shift } : c));
        const transitions = track.transitions.filter((x) => x.from_clip !== id && x.to_clip !== id);
        next = setVideoTrack(tl, ref.track, { ...track, clips, transitions });
      } else if (ref.kind === "audio") {
        const c = ref.clip;
        const others = tl.audio_tracks[ref.track].clips.filter((x) => x.id !== id);
        const shift = action.ripple ? c.length : 0;
        next = setAudioClips(tl, ref.track, others.map((x) => (shift && x.start > c.start ? { ...x, start: x.start - shift } : x)));
      } else {
        next = setOverlay(tl, ref.index, null);
      }
      const s = commit(state, checked(next, assets));
      return s === state ? state : { ...s, selection: null };
    }
    case "update": {
      const ref = findItem(tl, action.id);
      if (!ref) return state;
      const patch = { ...action.patch };
      delete patch.id;
      let next: Timeline;
      if (ref.kind === "video") {
        const track = tl.video_tracks[ref.track];
        next = setVideoTrack(tl, ref.track, { ...track, clips: track.clips.map((c) => (c.id === action.id ? ({ ...c, ...patch } as VideoClip) : c)) });
      } else if (ref.kind === "audio") {
        next = setAudioClips(tl, ref.track, tl.audio_tracks[ref.track].clips.map((c) => (c.id === action.id ? ({ ...c, ...patch } as AudioClip) : c)));
      } else {
        next = setOverlay(tl, ref.index, { ...ref.overlay, ...patch } as Overlay);
      }
      return commit(state, checked(next, assets), action.coalesce ?? null);
    }
    case "addText": {
      const fps = Math.round(rate.num / rate.den);
      const overlay: Overlay = {
        type: "text",
        id: freshId(tl, "t"),
        text: action.text ?? DEFAULT_TEXT,
        font: "DejaVu Sans",
        size: Math.round(tl.canvas.height / 12),
        color: "#ffffff",
        box: true,
        box_color: "#000000a0",
        box_padding: 16,
        x: null,
        y: Math.round(tl.canvas.height * 0.75),
        start: Math.max(0, action.start ?? state.playhead),
        length: Math.max(1, action.length ?? 3 * fps),
      };
      const s = commit(state, { ...tl, overlays: [...tl.overlays, overlay] });
      return { ...s, selection: overlay.id };
    }
    case "addImage": {
      if (assets[action.assetId]?.kind !== "image") return state;
      const fps = Math.round(rate.num / rate.den);
      const overlay: Overlay = {
        type: "image",
        id: freshId(tl, "i"),
        asset_id: action.assetId,
        scale: 1,
        x: 32,
        y: 32,
        start: Math.max(0, action.start ?? state.playhead),
        length: Math.max(1, action.length ?? 3 * fps),
      };
      const s = commit(state, { ...tl, overlays: [...tl.overlays, overlay] });
      return { ...s, selection: overlay.id };
    }
    case "addNarration": {
      let t = tl.audio_tracks.findIndex((x) => x.id === "n1");
      let base = tl;
      if (t < 0) {
        base = { ...tl, audio_tracks: [...tl.audio_tracks, { id: "n1", clips: [] }] };
        t = base.audio_tracks.length - 1;
      }
      const clip: AudioClip = {
        type: "narration",
        id: freshId(base, "n"),
        asset_id: action.assetId,
        source_in: 0,
        start: Math.max(0, action.start ?? state.playhead),
        length: Math.max(1, action.length),
        voice_id: action.voiceId ?? null,
        script: action.script ?? null,
      };
      const s = commit(state, checked(setAudioClips(base, t, [...base.audio_tracks[t].clips, clip]), assets));
      return s === state ? state : { ...s, selection: clip.id };
    }
    case "crossfade": {
      const ref = findItem(tl, action.fromId);
      if (!ref || ref.kind !== "video") return state;
      const track = tl.video_tracks[ref.track];
      const spans = itemSpans(tl, assets);
      const from = spans.get(action.fromId)!;
      const to =
        action.toId ??
        track.clips
          .filter((c) => c.id !== action.fromId && c.start >= from.start)
          .sort((a, b) => a.start - b.start)[0]?.id;
      if (!to || track.transitions.some((x) => x.from_clip === action.fromId || x.to_clip === to)) return state;
      const toSpan = spans.get(to)!;
      // the incoming clip (and everything after it) moves left so the two overlap by `length`
      const shift = toSpan.start - (from.end - action.length);
      if (action.length <= 0 || shift < 0) return state;
      const clips = track.clips.map((c) => (c.start >= toSpan.start && c.id !== action.fromId ? { ...c, start: c.start - shift } : c));
      const transition: Transition = { type: "crossfade", from_clip: action.fromId, to_clip: to, length: action.length };
      return commit(state, checked(setVideoTrack(tl, ref.track, { ...track, clips, transitions: [...track.transitions, transition] }), assets));
    }
    case "removeTransition": {
      for (let t = 0; t < tl.video_tracks.length; t++) {
        const track = tl.video_tracks[t];
        const tr = track.transitions.find((x) => x.from_clip === action.fromId && x.to_clip === action.toId);
        if (!tr) continue;
        // the incoming clip and the ones after it move right again: the clips become adjacent
        const toStart = track.clips.find((c) => c.id === action.toId)!.start;
        const clips = track.clips.map((c) => (c.start >= toStart && c.id !== action.fromId ? { ...c, start: c.start + tr.length } : c));
        const transitions = track.transitions.filter((x) => x !== tr);
        return commit(state, checked(setVideoTrack(tl, t, { ...track, clips, transitions }), assets));
      }
      return state;
    }
    case "magicCut": {
      const cut = applyMagicCut(tl, assets, action.assetId, action.speech, action.trackId);
      return commit(state, cut && checked(cut, assets));
    }
    case "replace":
      return commit(state, action.timeline, action.coalesce ?? null);
  }
}

/** Seconds ranges → source frames [in, out): starts round down, ends round up (as the server does). */
/**
 * What an edit would do, for drawing a drag live before the drop: the state after `action`, and
 * whether the edit is refused (its result is invalid, such as an overlap) rather than a no-op
 * (clamped, or snapped back where it was). A refused edit comes back applied without the validity
 * check, so the view can show where it would have landed; dispatching it changes nothing.
 */
export function previewEdit(state: EditorState, action: EditorAction): { state: EditorState; refused: boolean } {
  const next = editorReducer(state, action);
  if (next !== state) return { state: next, refused: false };
  validating = false;
  try {
    const unchecked = editorReducer(state, action);
    return unchecked === state ? { state, refused: false } : { state: unchecked, refused: true };
  } finally {
    validating = true;
  }
}

export function keepRangesFrames(speech: [number, number][], fps: string): [number, number][] {
  const r = parseRate(fps);
  const out: [number, number][] = [];
  for (const [s, e] of [...speech].sort((a, b) => a[0] - b[0])) {
    const a = Math.floor((s * r.num) / r.den + 1e-9);
    const b = Math.ceil((e * r.num) / r.den - 1e-9);
    if (out.length && a <= out[out.length - 1][1]) out[out.length - 1][1] = Math.max(out[out.length - 1][1], b);
    else if (b > a) out.push([a, b]);
  }
  return out;
}

/**
 * Ripple the silences out of the clips of one asset on one video track (what the server's
 * magic_cut.apply_cuts does): each clip becomes one clip per kept piece, laid end to end, and
 * later clips move left by what was removed. Clips in transitions are left as they are.
 */
export function applyMagicCut(
  tl: Timeline,
  assets: AssetTable,
  assetId: string,
  speech: [number, number][],
  trackId?: string,
): Timeline | null {
  const asset = assets[assetId];
  if (!asset || speech.length === 0) return null;
  const rate = parseRate(tl.canvas.fps);
  const t = trackId ? tl.video_tracks.findIndex((x) => x.id === trackId) : tl.video_tracks.findIndex((x) => x.clips.some((c) => c.asset_id === assetId));
  if (t < 0) return null;
  const track = tl.video_tracks[t];
  const keep = keepRangesFrames(speech, asset.fps);
  const inTransition = new Set(track.transitions.flatMap((x) => [x.from_clip, x.to_clip]));
  let shift = 0;
  let cutAny = false;
  const clips: VideoClip[] = [];
  for (const clip of [...track.clips].sort((a, b) => a.start - b.start)) {
    const len = videoClipLength(clip, assets[clip.asset_id], rate);
    if (clip.asset_id !== assetId || inTransition.has(clip.id)) {
      clips.push(shift ? { ...clip, start: clip.start - shift } : clip);
      continue;
    }
    const ranges = keep
      .filter(([a, b]) => b > clip.source_in && a < clip.source_out)
      .map(([a, b]) => [Math.max(a, clip.source_in), Math.min(b, clip.source_out)] as const);
    if (ranges.length === 1 && ranges[0][0] === clip.source_in && ranges[0][1] === clip.source_out) {
      clips.push(shift ? { ...clip, start: clip.start - shift } : clip); // all of it is kept
      continue;
    }
    cutAny = true;
    let cursor = clip.start - shift;
    const begin = cursor;
    ranges.forEach(([a, b], n) => {
      const piece: VideoClip = { ...clip, id: `${clip.id}.${n}`, source_in: a, source_out: b, start: cursor, fade_in: 0, fade_out: 0 };
      clips.push(piece);
      cursor += videoClipLength(piece, asset, rate);
    });
    shift += len - (cursor - begin);
  }
  // nothing was cut (every clip of the asset sat in a crossfade, or is all speech): say so,
  // rather than announce an undoable step that changed nothing
  if (!cutAny) return null;
  // ids must stay unique: a piece id may collide with an existing id elsewhere
  const ids = new Set<string>();
  for (const c of clips) {
    if (ids.has(c.id)) return null;
    ids.add(c.id);
  }
  return setVideoTrack(tl, t, { ...track, clips });
}

/** The clip ids and silences a Magic Cut result draws on the timeline (timeline frames). */
export function silenceMarks(
  tl: Timeline,
  assets: AssetTable,
  assetId: string,
  silences: [number, number][],
): { start: number; end: number }[] {
  const asset = assets[assetId];
  if (!asset) return [];
  const rate = parseRate(tl.canvas.fps);
  const a = parseRate(asset.fps);
  const out: { start: number; end: number }[] = [];
  for (const track of tl.video_tracks)
    for (const c of track.clips) {
      if (c.asset_id !== assetId) continue;
      const srcStart = (c.source_in * a.den) / a.num;
      const srcEnd = (c.source_out * a.den) / a.num;
      const end = c.start + videoClipLength(c, asset, rate);
      for (const [s, e] of silences) {
        const lo = Math.max(s, srcStart);
        const hi = Math.min(e, srcEnd);
        if (hi <= lo) continue;
        out.push({
          start: Math.max(c.start, c.start + Math.round(((lo - srcStart) * rate.num) / rate.den)),
          end: Math.min(end, c.start + Math.round(((hi - srcStart) * rate.num) / rate.den)),
        });
      }
    }
  return out;
}

/** Timeline frames of scene cuts (source frames of the asset) inside the clips of that asset. */
export function sceneMarks(tl: Timeline, assets: AssetTable, assetId: string, scenes: number[]): number[] {
  const asset = assets[assetId];
  if (!asset) return [];
  const rate = parseRate(tl.canvas.fps);
  const out: number[] = [];
  for (const track of tl.video_tracks)
    for (const c of track.clips) {
      if (c.asset_id !== assetId) continue;
      for (const f of scenes)
        if (f > c.source_in && f < c.source_out)
          out.push(c.start + videoClipLength({ ...c, source_out: f }, asset, rate));
    }
  return out;
}
