import { describe, expect, it } from "vitest";
import { type AssetTable, type Timeline, EMPTY_TIMELINE, itemSpans, timecode, withStandardTracks } from "./model";
import { formatSeconds, itemLabels, secondsToFrames } from "./labels";
import { type EditorAction, type EditorState, editorReducer, initialState, keepRangesFrames, previewEdit } from "./reducer";

const ASSETS: AssetTable = {
  A: { kind: "video", fps: "30/1", frames: 90, duration_us: 3_000_000 },
  B: { kind: "video", fps: "30/1", frames: 60, duration_us: 2_000_000 },
  P: { kind: "video", fps: "25/1", frames: 75, duration_us: 3_000_000 },
  M: { kind: "audio", fps: "0/1", frames: 0, duration_us: 4_000_000 },
  L: { kind: "image", fps: "1/1", frames: 1, duration_us: 0 },
};

function run(state: EditorState, ...actions: EditorAction[]): EditorState {
  return actions.reduce(editorReducer, state);
}

function start(): EditorState {
  return initialState(withStandardTracks(EMPTY_TIMELINE), ASSETS);
}

const v1 = (s: EditorState) => s.present.video_tracks[0].clips;
const spans = (s: EditorState) => itemSpans(s.present, s.assets);

describe("editor reducer", () => {
  it("adds clips from the bin and refuses overlaps", () => {
    let s = run(start(), { type: "addClip", assetId: "A", start: 0 });
    expect(v1(s)).toEqual([{ id: "c1", asset_id: "A", source_in: 0, source_out: 90, start: 0 }]);
    const before = s;
    s = run(s, { type: "addClip", assetId: "B", start: 50 });
    expect(s).toBe(before); // would overlap c1 without a transition
    s = run(s, { type: "addClip", assetId: "B", start: 90 });
    expect(v1(s).map((c) => [c.id, c.start])).toEqual([["c1", 0], ["c2", 90]]);
    s = run(s, { type: "addClip", assetId: "M", start: 10 });
    expect(s.present.audio_tracks[0].clips[0]).toMatchObject({ asset_id: "M", start: 10, length: 120 });
  });

  it("trims both ends of a video clip in source frames", () => {
    let s = run(start(), { type: "addClip", assetId: "A", start: 30 });
    s = run(s, { type: "trim", id: "c1", edge: "start", frame: 40 });
    expect(v1(s)[0]).toMatchObject({ start: 40, source_in: 10, source_out: 90 });
    s = run(s, { type: "trim", id: "c1", edge: "end", frame: 100 });
    expect(v1(s)[0]).toMatchObject({ start: 40, source_in: 10, source_out: 70 });
    // the start cannot go before source frame 0, nor the end past the asset
    s = run(s, { type: "trim", id: "c1", edge: "start", frame: 0 });
    expect(v1(s)[0]).toMatchObject({ start: 30, source_in: 0 });
    s = run(s, { type: "trim", id: "c1", edge: "end", frame: 500 });
    expect(v1(s)[0]).toMatchObject({ source_out: 90 });
  });

  it("trims a clip of another rate in its own frames", () => {
    let s = run(start(), { type: "addClip", assetId: "P", start: 0 });
    expect(spans(s).get("c1")).toEqual({ start: 0, end: 90 }); // 75 frames at 25 fps = 90 at 30
    s = run(s, { type: "trim", id: "c1", edge: "end", frame: 60 });
    expect(v1(s)[0].source_out).toBe(50); // 2 s at 25 fps
  });

  it("splits at the playhead into two clips that play the same frames", () => {
    let s = run(start(), { type: "addClip", assetId: "A", start: 10 }, { type: "playhead", frame: 40 });
    s = run(s, { type: "split" });
    expect(v1(s)).toEqual([
      { id: "c1", asset_id: "A", source_in: 0, source_out: 30, start: 10, fade_out: 0, fade_in: 0 },
      { id: "c1.1", asset_id: "A", source_in: 30, source_out: 90, start: 40, fade_in: 0, fade_out: 0 },
    ]);
    expect(s.selection).toBe("c1.1");
    // splitting exactly on an edge does nothing
    expect(run(s, { type: "split", at: 40 }).present).toBe(s.present);
  });

  it("ripple-deletes a clip and closes the gap; plain delete leaves it", () => {
    let s = run(
      start(),
      { type: "addClip", assetId: "A", start: 0 },
      { type: "addClip", assetId: "B", start: 90 },
      { type: "addClip", assetId: "A", start: 150 },
    );
    const lifted = run(s, { type: "delete", id: "c2", ripple: false });
    expect(v1(lifted).map((c) => [c.id, c.start])).toEqual([["c1", 0], ["c3", 150]]);
    s = run(s, { type: "delete", id: "c2", ripple: true });
    expect(v1(s).map((c) => [c.id, c.start])).toEqual([["c1", 0], ["c3", 90]]);
  });

  it("ripple-deletes a clip between two crossfades without leaving an overlap", () => {
    let s = run(
      start(),
      { type: "addClip", assetId: "A", start: 0 },
      { type: "addClip", assetId: "B", start: 90 },
      { type: "addClip", assetId: "A", start: 150 },
      { type: "crossfade", fromId: "c1", length: 10 },
      { type: "crossfade", fromId: "c2", length: 10 },
    );
    expect(v1(s).map((c) => c.start)).toEqual([0, 80, 130]);
    s = run(s, { type: "delete", id: "c2", ripple: true });
    expect(v1(s).map((c) => [c.id, c.start])).toEqual([["c1", 0], ["c3", 90]]);
    expect(s.present.video_tracks[0].transitions).toEqual([]);
  });

  it("makes a crossfade by overlapping adjacent clips by its length, and removes it again", () => {
    let s = run(start(), { type: "addClip", assetId: "A", start: 0 }, { type: "addClip", assetId: "B", start: 90 });
    s = run(s, { type: "crossfade", fromId: "c1", length: 15 });
    expect(v1(s)[1].start).toBe(75);
    expect(s.present.video_tracks[0].transitions).toEqual([{ type: "crossfade", from_clip: "c1", to_clip: "c2", length: 15 }]);
    // a transition longer than a clip is refused
    const t2 = run(start(), { type: "addClip", assetId: "A", start: 0 }, { type: "addClip", assetId: "B", start: 90 });
    expect(run(t2, { type: "crossfade", fromId: "c1", length: 61 }).present).toBe(t2.present);
    s = run(s, { type: "removeTransition", fromId: "c1", toId: "c2" });
    expect(v1(s)[1].start).toBe(90);
    expect(s.present.video_tracks[0].transitions).toEqual([]);
  });

  it("snaps moves to clip edges and the playhead within the threshold", () => {
    let s = run(
      start(),
      { type: "addClip", assetId: "A", start: 0 },
      { type: "addClip", assetId: "B", start: 200 },
      { type: "playhead", frame: 300 },
    );
    s = run(s, { type: "move", id: "c2", start: 94, snap: 5 });
    expect(v1(s)[1].start).toBe(90); // its start snapped to c1's end
    s = run(s, { type: "move", id: "c2", start: 243, snap: 5 });
    expect(v1(s)[1].start).toBe(240); // its end (243 + 60) snapped to the playhead (300)
    s = run(s, { type: "move", id: "c2", start: 400, snap: 5 });
    expect(v1(s)[1].start).toBe(400); // nothing near: no snap
    s = run(s, { type: "move", id: "c2", start: 94 });
    expect(v1(s)[1].start).toBe(94); // snapping off
    s = run(s, { type: "trim", id: "c2", edge: "end", frame: 138, snap: 4 });
    expect(spans(s).get("c2")!.end).toBe(94 + 44);
    s = run(s, { type: "playhead", frame: 140 }, { type: "trim", id: "c2", edge: "end", frame: 137, snap: 4 });
    expect(spans(s).get("c2")!.end).toBe(140);
  });

  it("previews a drag's drop: snapped, refused (drawn where it would land) or a no-op", () => {
    const s = run(start(), { type: "addClip", assetId: "A", start: 0 }, { type: "addClip", assetId: "B", start: 200 });
    const snapped = previewEdit(s, { type: "move", id: "c2", start: 92.5, snap: 5 });
    expect(snapped.refused).toBe(false);
    expect(snapped.state).toEqual(editorReducer(s, { type: "move", id: "c2", start: 92.5, snap: 5 })); // what the drop does
    expect(v1(snapped.state)[1].start).toBe(90);
    const overlap: EditorAction = { type: "move", id: "c2", start: 50, snap: 5 };
    expect(editorReducer(s, overlap)).toBe(s); // the drop is refused...
    const refused = previewEdit(s, overlap);
    expect(refused.refused).toBe(true); // ...and the preview says so, with c2 where it would have gone
    expect(v1(refused.state).find((c) => c.id === "c2")!.start).toBe(50);
    expect(previewEdit(s, { type: "move", id: "c2", start: 201, snap: 0 }).refused).toBe(false);
    const stays = previewEdit(s, { type: "move", id: "c2", start: 200.4, snap: 0 }); // rounds back: a no-op
    expect(stays).toEqual({ state: s, refused: false });
    const clamped = previewEdit(s, { type: "trim", id: "c2", edge: "end", frame: 400 }); // past the source's end
    expect(clamped).toEqual({ state: s, refused: false });
    expect(editorReducer(s, overlap)).toBe(s); // validation is back on after a preview
  });

  it("undoes and redoes every edit exactly", () => {
    const s0 = start();
    const actions: EditorAction[] = [
      { type: "addClip", assetId: "A", start: 0 },
      { type: "addClip", assetId: "B", start: 90 },
      { type: "trim", id: "c1", edge: "start", frame: 12 },
      { type: "playhead", frame: 50 },
      { type: "split" },
      { type: "crossfade", fromId: "c1.1", length: 8 },
      { type: "addText", text: "Hello" },
      { type: "update", id: "t1", patch: { text: "Hello w" }, coalesce: "t1.text" },
      { type: "update", id: "t1", patch: { text: "Hello world" }, coalesce: "t1.text" },
      { type: "delete", id: "c1", ripple: true },
    ];
    const states: Timeline[] = [s0.present];
    let s = s0;
    for (const a of actions) {
      const next = editorReducer(s, a);
      if (next.present !== s.present && !(a.type === "update" && next.past.length === s.past.length)) states.push(next.present);
      else if (next.present !== s.present) states[states.length - 1] = next.present;
      s = next;
    }
    // two typed updates with the same key are one step
    expect(s.past.length).toBe(states.length - 1);
    const snapshot = JSON.stringify(s.present);
    for (let i = states.length - 2; i >= 0; i--) {
      s = editorReducer(s, { type: "undo" });
      expect(s.present).toEqual(states[i]);
    }
    expect(editorReducer(s, { type: "undo" })).toBe(s);
    for (let i = 1; i < states.length; i++) {
      s = editorReducer(s, { type: "redo" });
      expect(s.present).toEqual(states[i]);
    }
    expect(JSON.stringify(s.present)).toBe(snapshot);
    // a new edit after undo drops the redo branch
    s = run(s, { type: "undo" }, { type: "addText" });
    expect(s.future).toEqual([]);
  });

  it("applies a Magic Cut as one undoable ripple", () => {
    let s = run(start(), { type: "addClip", assetId: "A", start: 0 }, { type: "addClip", assetId: "B", start: 90 });
    const before = s.present;
    s = run(s, { type: "magicCut", assetId: "A", speech: [[0.2, 1.0], [2.0, 2.5]] });
    expect(v1(s).map((c) => [c.id, c.source_in, c.source_out, c.start])).toEqual([
      ["c1.0", 6, 30, 0],
      ["c1.1", 60, 75, 24],
      ["c2", 0, 60, 39],
    ]);
    s = run(s, { type: "undo" });
    expect(s.present).toBe(before);
  });

  it("says a Magic Cut on a clip in a crossfade changes nothing, instead of an empty undo step", () => {
    // the journey's case: the talking clip crossfades with the one before it; Magic Cut leaves
    // clips in transitions as they are, so "Apply" must not report a change (the export was uncut)
    let s = run(start(), { type: "addClip", assetId: "B", start: 0 }, { type: "addClip", assetId: "A", start: 60 });
    s = run(s, { type: "crossfade", fromId: "c1", length: 15 });
    const before = s;
    expect(run(s, { type: "magicCut", assetId: "A", speech: [[0.2, 1.0], [2.0, 2.5]] })).toBe(before);
    // all speech: nothing to cut either
    const plain = run(start(), { type: "addClip", assetId: "A", start: 0 });
    expect(run(plain, { type: "magicCut", assetId: "A", speech: [[0, 3]] })).toBe(plain);
    // without the crossfade the same cut ripples out the silences
    s = run(s, { type: "removeTransition", fromId: "c1", toId: "c2" }, { type: "magicCut", assetId: "A", speech: [[0.2, 1.0], [2.0, 2.5]] });
    expect(v1(s).filter((c) => c.asset_id === "A").map((c) => c.source_out - c.source_in)).toEqual([24, 15]);
  });

  it("labels items by file name, numbered when a file is used twice, and durations in seconds", () => {
    let s = run(start(), { type: "addClip", assetId: "A", start: 0 }, { type: "addClip", assetId: "A", start: 90 }, { type: "addText" });
    const labels = itemLabels(s.present, (id) => ({ A: "talk.mp4" })[id]);
    expect([...labels.values()].sort()).toEqual(["Text “Your text”", "talk.mp4", "talk.mp4 (2)"]);
    expect(labels.get("c1")).toBe("talk.mp4");
    s = run(s, { type: "crossfade", fromId: "c1", length: 15 });
    expect(formatSeconds(15, s.present.canvas.fps)).toBe("0.5 s");
    expect(secondsToFrames(0.33, "30/1")).toBe(10);
    expect(formatSeconds(1000, "30000/1001")).toBe("33.37 s");
  });

  it("converts speech seconds to frames like the server", () => {
    expect(keepRangesFrames([[0.1, 0.5], [0.5, 0.9], [2, 2.01]], "30/1")).toEqual([[3, 27], [60, 61]]);
  });

  it("writes timecode at the canvas rate", () => {
    expect(timecode(0, "30")).toBe("00:00:00:00");
    expect(timecode(95, "30/1")).toBe("00:00:03:05");
    expect(timecode(3600 * 30 + 29, "30000/1001")).toBe("01:00:00:29");
  });
});
