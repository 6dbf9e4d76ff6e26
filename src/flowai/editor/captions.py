"""Captions and text-based editing on the timeline, from the transcripts of its clips.

Everything here works in timeline frames: :func:`timeline_words` maps each transcript word
(seconds of its asset) through the clips that play it (source range, position, the asset's rate
against the canvas rate) to the timeline frames where it is heard; caption lines are cut from
those words; :func:`ripple_cut` removes ranges of timeline frames from every track at once, so
deleting a word in the transcript removes exactly its frames from the export.

The burned-in captions are an ASS document rendered by libass inside the export's filter graph
(harfbuzz shapes Arabic and Japanese, fribidi orders right-to-left text). An event that starts on
frame k starts half a frame before it ((k - 1/2) / fps, in ASS centiseconds), so it is on screen
from frame k exactly, whatever the rate's rounding; the browser preview shows a line on frames
[start, start + length) by the same numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from flowai.editor.timeline import (
    CaptionLine,
    CaptionTrack,
    CaptionWord,
    CheckedTimeline,
    ImageOverlay,
    Span,
    TextOverlay,
    Timeline,
    VideoClip,
    video_clip_length,
)

# --- styles -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaptionStyle:
    """A caption preset; sizes are fractions of the canvas height so every canvas looks alike."""

    font: str
    size: float
    """Font size as a fraction of the canvas height."""
    color: str
    """Text colour, #rrggbb."""
    highlight: str
    """Colour of the spoken word when karaoke is on."""
    outline_color: str
    outline: float
    """Outline width as a fraction of the canvas height (0: none)."""
    box: bool
    """A filled box behind the text instead of an outline."""
    box_color: str
    """#rrggbbaa of the box."""
    position: Literal["bottom", "top"]
    margin: float
    """Distance from the edge as a fraction of the canvas height."""


STYLES: dict[str, CaptionStyle] = {
    "classic": CaptionStyle("DejaVu Sans", 0.065, "#ffffff", "#ffd400", "#000000", 0.006, False,
                            "#00000000", "bottom", 0.06),
    "boxed": CaptionStyle("DejaVu Sans", 0.06, "#ffffff", "#4fc3ff", "#000000", 0.0, True,
                          "#000000b0", "bottom", 0.06),
    "bold": CaptionStyle("DejaVu Sans Bold", 0.085, "#ffe600", "#ffffff", "#000000", 0.01, False,
                         "#00000000", "bottom", 0.08),
    "top": CaptionStyle("DejaVu Serif", 0.06, "#ffffff", "#ffd400", "#000000", 0.005, False,
                        "#00000000", "top", 0.05),
}  # fmt: skip
"""The four presets; web/src/pages/editor/captions.ts draws the same ones in the preview."""


def style_px(style: CaptionStyle, height: int) -> dict[str, int]:
    """Font size, outline and margin in canvas pixels (what both the ASS and the preview use)."""
    return {
        "size": max(8, round(style.size * height)),
        "outline": round(style.outline * height),
        "margin": round(style.margin * height),
        "pad": round(0.012 * height) if style.box else 0,
    }


# --- words on the timeline -----------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineWord:
    """A transcript word where the timeline plays it: frames [start, end) at the canvas rate."""

    text: str
    start: int
    end: int
    probability: float
    asset_id: str
    clip_id: str
    index: int
    """Position of the word in its asset's transcript."""

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end,
                "probability": round(self.probability, 3), "asset_id": self.asset_id,
                "clip_id": self.clip_id, "index": self.index}  # fmt: skip


def _place(
    words: Sequence[Mapping[str, Any]], src_start: Fraction, src_end: Fraction, at: int, length: int,
    fps: Fraction, asset_id: str, clip_id: str,
) -> Iterable[TimelineWord]:  # fmt: skip
    """Words whose middle lies in source seconds [src_start, src_end), on timeline frames from
    `at` (the clip's first frame), clamped to the clip's `length`."""
    for index, w in enumerate(words):
        ws, we = Fraction(str(w["start"])), Fraction(str(w["end"]))
        if not src_start <= (ws + we) / 2 < src_end:
            continue
        a = max(0, round((ws - src_start) * fps))
        b = min(length, round((we - src_start) * fps))
        if b <= a:
            b = min(length, a + 1)
            if b <= a:
                continue
        yield TimelineWord(str(w["text"]), at + a, at + b, float(w.get("probability", 1.0)),
                           asset_id, clip_id, index)  # fmt: skip


def timeline_words(
    checked: CheckedTimeline, transcripts: Mapping[str, Sequence[Mapping[str, Any]]]
) -> list[TimelineWord]:
    """Every transcript word heard on the timeline, in time order.

    `transcripts` maps an asset id to its words (seconds). Video clips of visible tracks and
    clips of unmuted audio tracks contribute; a word heard twice at the same frame (a video clip
    and its sound on an audio track) is kept once."""
    tl = checked.timeline
    fps = tl.canvas.fps
    out: list[TimelineWord] = []
    for vtrack in tl.video_tracks:
        if vtrack.hidden:
            continue
        for clip in vtrack.clips:
            if clip.asset_id not in transcripts or clip.volume == 0:
                continue
            info = checked.asset(clip.asset_id)
            span = checked.spans[clip.id]
            out += _place(transcripts[clip.asset_id], Fraction(clip.source_in) / info.fps,
                          Fraction(clip.source_out) / info.fps, span.start, span.end - span.start,
                          fps, clip.asset_id, clip.id)  # fmt: skip
    for atrack in tl.audio_tracks:
        if atrack.muted:
            continue
        for aclip in atrack.clips:
            if aclip.asset_id not in transcripts or aclip.volume == 0:
                continue
            first = Fraction(aclip.source_in) / fps
            out += _place(transcripts[aclip.asset_id], first, first + Fraction(aclip.length) / fps,
                          aclip.start, aclip.length, fps, aclip.asset_id, aclip.id)  # fmt: skip
    out.sort(key=lambda w: (w.start, w.end))
    seen: set[tuple[str, int, str]] = set()
    unique: list[TimelineWord] = []
    for w in out:
        key = (w.asset_id, w.start, w.text)
        if key not in seen:
            seen.add(key)
            unique.append(w)
    return unique


# --- caption lines --------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?。！？]$")


def build_lines(
    words: Sequence[TimelineWord], fps: Fraction, *, max_chars: int = 32, max_seconds: float = 4.0,
    max_gap: float = 0.7, linger: float = 0.5,
) -> list[CaptionLine]:  # fmt: skip
    """Caption lines from words: a new line after a sentence end, at a pause over `max_gap`
    seconds, or when the line would pass `max_chars` or `max_seconds`. Each line stays up to
    `linger` seconds after its last word, never into the next line."""
    groups: list[list[TimelineWord]] = []
    for w in words:
        if groups:
            cur = groups[-1]
            text = " ".join(x.text for x in cur) + " " + w.text
            too_long = len(text) > max_chars or (w.end - cur[0].start) > max_seconds * fps
            pause = (w.start - cur[-1].end) > max_gap * fps
            if not (too_long or pause or _SENTENCE_END.search(cur[-1].text)):
                cur.append(w)
                continue
        groups.append([w])
    lines: list[CaptionLine] = []
    hold = round(linger * fps)
    for n, group in enumerate(groups):
        start = group[0].start if not lines else max(group[0].start, lines[-1].start + lines[-1].length)
        nxt = groups[n + 1][0].start if n + 1 < len(groups) else group[-1].end + hold
        end = max(start + 1, min(group[-1].end + hold, nxt))
        cw = [CaptionWord(text=w.text, start=max(w.start, start), end=min(max(w.end, w.start + 1), end))
              for w in group if max(w.start, start) < min(max(w.end, w.start + 1), end)]  # fmt: skip
        lines.append(CaptionLine(id=f"cap{n + 1}", text=" ".join(w.text for w in group),
                                 start=start, length=end - start, words=cw))  # fmt: skip
    return lines


def caption_track(
    words: Sequence[TimelineWord], fps: Fraction, *, style: str = "classic", karaoke: bool = False
) -> CaptionTrack:
    """A caption track from the words heard on the timeline (`timeline_words`)."""
    return CaptionTrack(lines=build_lines(words, fps), style=style, karaoke=karaoke)


def line_at(track: CaptionTrack, frame: int) -> CaptionLine | None:
    """The caption line on screen at a timeline frame."""
    for line in track.lines:
        if line.start <= frame < line.start + line.length:
            return line
    return None


# --- ASS, SRT, WebVTT -------------------------------------------------------------------------------


def _ass_color(color: str) -> str:
    """#rrggbb[aa] as ASS &HAABBGGRR (ASS alpha counts transparency)."""
    r, g, b = color[1:3], color[3:5], color[5:7]
    alpha = 255 - int(color[7:9], 16) if len(color) == 9 else 0
    return f"&H{alpha:02X}{b}{g}{r}".upper()


def ass_time(frame: int, fps: Fraction) -> str:
    """The ASS time (centiseconds) half a frame before `frame`, so the frame itself shows it."""
    cs = 0 if frame <= 0 else math.floor(Fraction(2 * frame - 1, 2) / fps * 100 + Fraction(1, 2))
    h, rest = divmod(cs, 360_000)
    m, rest = divmod(rest, 6000)
    s, c = divmod(rest, 100)
    return f"{h}:{m:02d}:{s:02d}.{c:02d}"


def _ass_text(text: str) -> str:
    # ASS has no escape for braces or a lone backslash: show look-alikes instead.
    text = text.replace("\\", "\u29f5").replace("{", "\uff5b").replace("}", "\uff5d")
    return text.replace("\r\n", "\n").replace("\n", "\\N")


def ass_document(timeline: Timeline) -> str:
    """The caption track as an ASS script on the canvas's pixel grid (PlayRes = canvas size)."""
    track = timeline.captions or CaptionTrack()
    canvas = timeline.canvas
    style = STYLES[track.style]
    px = style_px(style, canvas.height)
    border_style = 3 if style.box else 1
    outline = px["pad"] if style.box else px["outline"]
    back = _ass_color(style.box_color) if style.box else "&H80000000"
    outline_colour = _ass_color(style.box_color) if style.box else _ass_color(style.outline_color)
    alignment = 2 if style.position == "bottom" else 8
    bold = -1 if "Bold" in style.font else 0
    font = style.font.removesuffix(" Bold")
    head = [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {canvas.width}",
        f"PlayResY: {canvas.height}",
        "WrapStyle: 0",
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: TV.709",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
        "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
        "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        f"Style: Default,{font},{px['size']},{_ass_color(style.color)},{_ass_color(style.highlight)},"
        f"{outline_colour},{back},{bold},0,0,0,100,100,0,0,{border_style},{outline},0,{alignment},"
        f"{px['margin']},{px['margin']},{px['margin']},1",
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    events: list[str] = []
    if not track.hidden:
        for line in track.lines:
            for start, end, text in _line_events(line, track.karaoke, _ass_color(style.highlight)):
                events.append(f"Dialogue: 0,{ass_time(start, canvas.fps)},{ass_time(end, canvas.fps)},"
                              f"Default,,0,0,0,,{text}")  # fmt: skip
    return "\n".join(head + events) + "\n"


def highlighted_word(line: CaptionLine, frame: int) -> int | None:
    """Index of the word highlighted at `frame` in karaoke mode: the last word that has started."""
    current = None
    for n, w in enumerate(line.words):
        if w.start <= frame:
            current = n
    return current


def _line_events(line: CaptionLine, karaoke: bool, highlight: str) -> list[tuple[int, int, str]]:
    end = line.start + line.length
    if not karaoke or not line.words:
        return [(line.start, end, _ass_text(line.text))]
    # one event per highlight change, so the highlight moves on frame boundaries, like the preview
    cuts = sorted({line.start, *(max(line.start, w.start) for w in line.words), end})
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        current = highlighted_word(line, a)
        parts = []
        for n, w in enumerate(line.words):
            text = _ass_text(w.text)
            parts.append(f"{{\\c{highlight}}}{text}{{\\r}}" if n == current else text)
        out.append((a, b, " ".join(parts)))
    return out


def _clock(frame: int, fps: Fraction, sep: str) -> str:
    ms = round(Fraction(frame) / fps * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def srt_document(timeline: Timeline) -> str:
    """SubRip captions (times in milliseconds, from the line frames)."""
    fps = timeline.canvas.fps
    blocks = []
    for n, line in enumerate((timeline.captions or CaptionTrack()).lines, 1):
        blocks.append(f"{n}\n{_clock(line.start, fps, ',')} --> {_clock(line.start + line.length, fps, ',')}\n"
                      f"{line.text}\n")  # fmt: skip
    return "\n".join(blocks)


def vtt_document(timeline: Timeline) -> str:
    """WebVTT captions."""
    fps = timeline.canvas.fps
    out = ["WEBVTT", ""]
    for line in (timeline.captions or CaptionTrack()).lines:
        text = line.text.replace("-->", "→")
        out += [line.id, f"{_clock(line.start, fps, '.')} --> {_clock(line.start + line.length, fps, '.')}",
                text, ""]  # fmt: skip
    return "\n".join(out)


# --- text-based editing: ripple cuts --------------------------------------------------------------


class CutRefused(ValueError):
    """A cut that cannot be made (it crosses a transition, or removes everything)."""


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted, non-overlapping, non-empty spans."""
    out: list[Span] = []
    for s in sorted(spans, key=lambda x: (x.start, x.end)):
        if s.end <= s.start:
            continue
        if out and s.start <= out[-1].end:
            out[-1] = Span(out[-1].start, max(out[-1].end, s.end))
        else:
            out.append(s)
    return out


def _removed_before(cuts: Sequence[Span], frame: int) -> int:
    return sum(min(c.end, frame) - c.start for c in cuts if c.start < frame)


def _kept(span: Span, cuts: Sequence[Span]) -> list[Span]:
    """Parts of `span` that no cut touches."""
    parts = [span]
    for c in cuts:
        nxt = []
        for p in parts:
            if c.end <= p.start or c.start >= p.end:
                nxt.append(p)
                continue
            if c.start > p.start:
                nxt.append(Span(p.start, c.start))
            if c.end < p.end:
                nxt.append(Span(c.end, p.end))
        parts = nxt
    return parts


def ripple_cut(checked: CheckedTimeline, cuts: Iterable[Span]) -> Timeline:
    """The timeline with the frames of `cuts` removed from every track, everything after each cut
    moved left: clips are split where a cut falls inside them, overlays and caption lines
    shortened or dropped. A cut inside a transition's overlap is refused."""
    cuts = merge_spans(cuts)
    tl = checked.timeline
    if not cuts:
        return tl
    fps = tl.canvas.fps
    used = {i for i in checked.spans}

    def shift(frame: int) -> int:
        return frame - _removed_before(cuts, frame)

    def fresh(base: str, n: int) -> str:
        candidate = f"{base[:56]}.t{n}"
        while candidate in used:
            n += 100
            candidate = f"{base[:56]}.t{n}"
        used.add(candidate)
        return candidate

    vtracks = []
    for vtrack in tl.video_tracks:
        for tr in vtrack.transitions:
            to = checked.spans[tr.to_clip]
            window = Span(to.start, to.start + tr.length)
            if any(c.start < window.end and c.end > window.start for c in cuts):
                raise CutRefused(f"the cut crosses the transition from {tr.from_clip} to {tr.to_clip}")
        first: dict[str, str] = {}
        last: dict[str, str] = {}
        clips: list[VideoClip] = []
        for clip in vtrack.clips:
            span = checked.spans[clip.id]
            info = checked.asset(clip.asset_id)
            parts = _kept(span, cuts)
            for n, part in enumerate(parts):
                k0, k1 = part.start - span.start, part.end - span.start
                s0 = clip.source_in + math.floor(Fraction(k0) * info.fps / fps)
                s1 = clip.source_in + math.floor(Fraction(k1) * info.fps / fps) if part.end < span.end \
                    else clip.source_out  # fmt: skip
                if s1 <= s0:
                    continue
                piece = clip.model_copy(update={
                    "id": clip.id if n == 0 else fresh(clip.id, n), "source_in": s0, "source_out": s1,
                    "start": shift(part.start),
                    "fade_in": clip.fade_in if n == 0 and k0 == 0 else 0,
                    "fade_out": clip.fade_out if part.end == span.end else 0,
                })  # fmt: skip
                length = video_clip_length(piece, info.fps, fps)
                piece = piece.model_copy(update={"fade_in": min(piece.fade_in, length),
                                                  "fade_out": min(piece.fade_out, length)})  # fmt: skip
                clips.append(piece)
                first.setdefault(clip.id, piece.id)
                last[clip.id] = piece.id
        transitions = [
            tr.model_copy(update={"from_clip": last[tr.from_clip], "to_clip": first[tr.to_clip]})
            for tr in vtrack.transitions if tr.from_clip in last and tr.to_clip in first
        ]  # fmt: skip
        vtracks.append(vtrack.model_copy(update={"clips": clips, "transitions": transitions}))

    atracks = []
    for atrack in tl.audio_tracks:
        aclips = []
        for aclip in atrack.clips:
            span = checked.spans[aclip.id]
            for n, part in enumerate(_kept(span, cuts)):
                length = part.end - part.start
                aclips.append(aclip.model_copy(update={
                    "id": aclip.id if n == 0 else fresh(aclip.id, n),
                    "source_in": aclip.source_in + part.start - span.start, "start": shift(part.start),
                    "length": length,
                    "fade_in": min(aclip.fade_in, length) if part.start == span.start else 0,
                    "fade_out": min(aclip.fade_out, length) if part.end == span.end else 0,
                }))  # fmt: skip
        atracks.append(atrack.model_copy(update={"clips": aclips}))

    overlays: list[TextOverlay | ImageOverlay] = []
    for overlay in tl.overlays:
        span = Span(overlay.start, overlay.start + overlay.length)
        length = sum(p.end - p.start for p in _kept(span, cuts))
        if length <= 0:
            continue
        update: dict[str, Any] = {"start": shift(_kept(span, cuts)[0].start), "length": length}
        if isinstance(overlay, ImageOverlay):
            update |= {"fade_in": min(overlay.fade_in, length), "fade_out": min(overlay.fade_out, length)}
        overlays.append(overlay.model_copy(update=update))

    captions = tl.captions
    if captions is not None:
        captions = captions.model_copy(update={"lines": _cut_lines(captions.lines, cuts, shift)})
    out = tl.model_copy(update={"video_tracks": vtracks, "audio_tracks": atracks, "overlays": overlays,
                                "captions": captions})  # fmt: skip
    if not any(t.clips for t in out.video_tracks) and not any(t.clips for t in out.audio_tracks):
        raise CutRefused("the cut would remove every clip")
    return out


def _cut_lines(lines: Sequence[CaptionLine], cuts: Sequence[Span], shift: Any) -> list[CaptionLine]:
    out: list[CaptionLine] = []
    for line in lines:
        parts = _kept(Span(line.start, line.start + line.length), cuts)
        length = sum(p.end - p.start for p in parts)
        if length <= 0:
            continue
        words = []
        for w in line.words:
            kept = _kept(Span(w.start, w.end), cuts)
            if not kept:
                continue
            words.append(
                w.model_copy(update={"start": shift(kept[0].start), "end": shift(kept[-1].end - 1) + 1})
            )
        if line.words and not words:
            continue  # every word of the line was cut
        start = shift(parts[0].start)
        text = " ".join(w.text for w in words) if line.words and len(words) != len(line.words) else line.text
        out.append(line.model_copy(update={"start": start, "length": length, "words": words, "text": text}))
    return out


# --- filler words and pauses ------------------------------------------------------------------------

FILLERS = {"um", "umm", "uh", "uhh", "erm", "er", "ah", "hmm", "mm"}
FILLER_PHRASES = [("you", "know")]


@dataclass(frozen=True)
class Finding:
    """Something `find_fillers` suggests removing: frames [start, end) of the timeline."""

    kind: Literal["filler", "repeat", "pause"]
    text: str
    start: int
    end: int

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "start": self.start, "end": self.end}


def _norm(text: str) -> str:
    return re.sub(r"[^\w']+", "", text.lower())


def find_fillers(
    words: Sequence[TimelineWord], fps: Fraction, *, pause_seconds: float = 1.0, keep_seconds: float = 0.25
) -> list[Finding]:
    """Filler words (um, uh, erm, …), "you know", a word said twice in a row, and pauses longer than
    `pause_seconds` (cut down to `keep_seconds`, split evenly around the pause)."""
    found: list[Finding] = []
    n = 0
    while n < len(words):
        w = words[n]
        norm = _norm(w.text)
        pair = (norm, _norm(words[n + 1].text)) if n + 1 < len(words) else None
        if norm in FILLERS:
            found.append(Finding("filler", w.text, w.start, w.end))
        elif pair in FILLER_PHRASES and words[n + 1].start - w.end < fps / 4:
            found.append(Finding("filler", f"{w.text} {words[n + 1].text}", w.start, words[n + 1].end))
            n += 1
        elif n > 0 and norm and norm == _norm(words[n - 1].text) and w.start - words[n - 1].end < fps:
            # a repeated word: cut the first one and the gap up to the second
            prev = words[n - 1]
            found.append(Finding("repeat", prev.text, prev.start, w.start))
        n += 1
    keep = round(keep_seconds * fps)
    for a, b in zip(words, words[1:], strict=False):
        gap = b.start - a.end
        if gap > pause_seconds * fps and gap > keep:
            half = keep // 2
            found.append(
                Finding("pause", f"{float(gap / fps):.1f} s pause", a.end + half, b.start - (keep - half))
            )
    found.sort(key=lambda f: f.start)
    return found
