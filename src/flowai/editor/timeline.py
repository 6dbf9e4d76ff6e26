"""The editor's timeline: the one JSON document that the browser edits and the renderer draws.

All media positions are integer frames. Timeline positions (``start``, ``length``) count frames at
the canvas rate; a video clip's ``source_in``/``source_out`` count frames of its own asset, at the
asset's rate, so a 25 fps source keeps its own frame numbers on a 30000/1001 canvas. Where the two
rates differ, timeline frame ``k`` of a clip shows source frame ``source_in + floor(k * asset_fps /
canvas_fps)`` (sample and hold), and the clip lasts ``ceil(n * canvas_fps / asset_fps)`` frames for
``n`` source frames.

Pydantic checks each field on its own; :func:`validate_timeline` checks what needs the whole
document or the assets (overlaps, transitions, source ranges, tenant, the 4-hour limit) and
reports every problem with the path of the field at fault.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    Tag,
    ValidationError,
    WithJsonSchema,
)

SCHEMA_VERSION: Literal[1] = 1
MAX_WIDTH = 7680
MAX_HEIGHT = 4320
MAX_SECONDS = 4 * 60 * 60
MAX_FPS = 240


def parse_rate(value: object) -> Fraction:
    """Accept "30000/1001", "25", 25 or a Fraction; reject floats (29.97 is not exact)."""
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, int) and not isinstance(value, bool):
        rate = Fraction(value)
    elif isinstance(value, str):
        try:
            rate = Fraction(value.strip())
        except (ValueError, ZeroDivisionError) as exc:
            raise ValueError(f"not a frame rate: {value!r}; use a ratio like '30000/1001'") from exc
    else:
        raise ValueError("a frame rate is a string ratio like '30000/1001' or an integer")
    if not 0 < rate <= MAX_FPS:
        raise ValueError(f"frame rate must be above 0 and at most {MAX_FPS}")
    return rate


def format_rate(rate: Fraction) -> str:
    """A rate as FFmpeg and our JSON write it: "30000/1001", "30/1"."""
    return f"{rate.numerator}/{rate.denominator}"


Rate = Annotated[
    Fraction,
    BeforeValidator(parse_rate),
    PlainSerializer(format_rate, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(/\d+)?$", "examples": ["30000/1001"]}),
]
"""A rational frame rate, written as a string ratio in JSON."""

Color = Annotated[
    str,
    Field(pattern=r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$", examples=["#000000", "#ffffff80"]),
]
Frames = Annotated[int, Field(ge=0, description="A position in frames at the canvas rate.")]
Length = Annotated[int, Field(gt=0, description="A length in frames at the canvas rate.")]
Opacity = Annotated[float, Field(ge=0.0, le=1.0)]
Volume = Annotated[float, Field(ge=0.0, le=4.0)]
ItemId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]

FONTS: dict[str, str] = {
    "DejaVu Sans": "DejaVuSans.ttf",
    "DejaVu Sans Bold": "DejaVuSans-Bold.ttf",
    "DejaVu Serif": "DejaVuSerif.ttf",
    "DejaVu Serif Bold": "DejaVuSerif-Bold.ttf",
    "DejaVu Sans Mono": "DejaVuSansMono.ttf",
}
"""Font families a text overlay may name, and their file in fonts-dejavu (server-side fonts)."""

FontName = Literal["DejaVu Sans", "DejaVu Sans Bold", "DejaVu Serif", "DejaVu Serif Bold", "DejaVu Sans Mono"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


class Canvas(_Model):
    """What the timeline is drawn on."""

    width: int = Field(ge=2, le=MAX_WIDTH, multiple_of=2)
    """Width in pixels (even, at most 8K: 7680)."""
    height: int = Field(ge=2, le=MAX_HEIGHT, multiple_of=2)
    """Height in pixels (even, at most 8K: 4320)."""
    fps: Rate
    """Frame rate of the timeline as a ratio, e.g. "30000/1001"; every timeline position counts
    frames at this rate."""
    background: Color = "#000000"
    """Colour shown where no clip covers the canvas."""


class Placement(_Model):
    """Where a visual item sits on the canvas."""

    x: int | None = Field(default=None, ge=-4 * MAX_WIDTH, le=4 * MAX_WIDTH)
    """Left edge in canvas pixels; null centres the item horizontally."""
    y: int | None = Field(default=None, ge=-4 * MAX_HEIGHT, le=4 * MAX_HEIGHT)
    """Top edge in canvas pixels; null centres the item vertically."""
    opacity: Opacity = 1.0
    """0 is invisible, 1 fully opaque."""


class VideoClip(Placement):
    """A range of a video asset placed on a video track."""

    type: Literal["video"] = "video"
    """Discriminator."""
    id: ItemId
    """Unique within the timeline; transitions refer to it."""
    asset_id: str = Field(min_length=1, max_length=128)
    """The video asset shown."""
    source_in: int = Field(ge=0)
    """First source frame shown, counted at the asset's own rate."""
    source_out: int = Field(gt=0)
    """Source frame after the last one shown (exclusive), at the asset's own rate."""
    start: Frames
    """Timeline frame where the clip's first frame appears."""
    scale: float = Field(default=1.0, gt=0.0, le=8.0)
    """1 fits the whole picture inside the canvas (aspect kept); 0.5 is half that size."""
    volume: Volume = 1.0
    """Gain applied to the clip's own audio (0 mutes it)."""
    fade_in: Frames = 0
    """Frames over which the clip fades in from transparent (and its audio from silence)."""
    fade_out: Frames = 0
    """Frames over which the clip fades out to transparent (and its audio to silence)."""


class Transition(_Model):
    """A crossfade or dissolve between two clips of one track that overlap by exactly `length`."""

    type: Literal["crossfade", "dissolve"] = "crossfade"
    """crossfade blends the two pictures; dissolve swaps pixels in random order. Audio always
    crossfades."""
    from_clip: ItemId
    """Id of the outgoing clip."""
    to_clip: ItemId
    """Id of the incoming clip; it must start `length` frames before `from_clip` ends."""
    length: Length
    """Frames the two clips overlap; the transition lasts exactly this long."""


class VideoTrack(_Model):
    """A layer of clips; later tracks in `Timeline.video_tracks` are drawn over earlier ones."""

    id: ItemId
    """Unique within the timeline."""
    clips: list[VideoClip] = Field(default_factory=list, max_length=10_000)
    """Clips on this track; they may only overlap where a transition joins them."""
    transitions: list[Transition] = Field(default_factory=list, max_length=10_000)
    """Transitions between clips of this track."""
    hidden: bool = False
    """Hidden tracks are neither drawn nor heard."""


class AudioClip(_Model):
    """A range of an audio (or video) asset's sound placed on an audio track."""

    type: Literal["audio"] = "audio"
    """Discriminator."""
    id: ItemId
    """Unique within the timeline."""
    asset_id: str = Field(min_length=1, max_length=128)
    """The asset whose audio plays."""
    source_in: int = Field(ge=0)
    """Offset into the asset, in frames at the canvas rate."""
    start: Frames
    """Timeline frame where the sound starts."""
    length: Length
    """How many timeline frames of sound play."""
    volume: Volume = 1.0
    """Linear gain."""
    fade_in: Frames = 0
    """Frames of fade from silence."""
    fade_out: Frames = 0
    """Frames of fade to silence."""


class NarrationClip(AudioClip):
    """Narration made by the voice feature (TTS); plays like an audio clip."""

    type: Literal["narration"] = "narration"  # type: ignore[assignment]
    """Discriminator."""
    voice_id: str | None = Field(default=None, max_length=128)
    """The voice that spoke it, for re-generation after a script edit."""
    script: str | None = Field(default=None, max_length=20_000)
    """The text that was spoken."""


def _audio_kind(value: Any) -> str:
    """Tag of an audio clip; a clip without "type" is a plain audio clip."""
    if isinstance(value, dict):
        return str(value.get("type", "audio"))
    return str(getattr(value, "type", "audio"))


AnyAudioClip = Annotated[
    Annotated[AudioClip, Tag("audio")] | Annotated[NarrationClip, Tag("narration")],
    Discriminator(_audio_kind),
]


class AudioTrack(_Model):
    """A track of sounds mixed together."""

    id: ItemId
    """Unique within the timeline."""
    clips: list[AnyAudioClip] = Field(default_factory=list, max_length=10_000)
    """Sounds on this track; they may not overlap."""
    volume: Volume = 1.0
    """Gain for the whole track."""
    muted: bool = False
    """Muted tracks are not heard."""


class TextOverlay(Placement):
    """Text drawn over every video track."""

    type: Literal["text"] = "text"
    """Discriminator."""
    id: ItemId
    """Unique within the timeline."""
    text: str = Field(min_length=1, max_length=2000)
    """What is written; newlines start new lines."""
    font: FontName = "DejaVu Sans"
    """Font family."""
    size: int = Field(default=48, ge=4, le=1000)
    """Font size in canvas pixels."""
    color: Color = "#ffffff"
    """Text colour, #rrggbb or #rrggbbaa."""
    box: bool = False
    """Draw a filled box behind the text."""
    box_color: Color = "#000000a0"
    """Colour of the box."""
    box_padding: int = Field(default=8, ge=0, le=500)
    """Pixels of box around the text."""
    start: Frames
    """First timeline frame with the text."""
    length: Length
    """Frames the text stays."""


class ImageOverlay(Placement):
    """A still image (logo, lower third) drawn over every video track."""

    type: Literal["image"] = "image"
    """Discriminator."""
    id: ItemId
    """Unique within the timeline."""
    asset_id: str = Field(min_length=1, max_length=128)
    """The image asset (transparency is kept)."""
    scale: float = Field(default=1.0, gt=0.0, le=8.0)
    """1 is the image's own pixel size."""
    start: Frames
    """First timeline frame with the image."""
    length: Length
    """Frames the image stays."""
    fade_in: Frames = 0
    """Frames of fade from transparent."""
    fade_out: Frames = 0
    """Frames of fade to transparent."""


AnyOverlay = Annotated[TextOverlay | ImageOverlay, Field(discriminator="type")]


CaptionStyleName = Literal["classic", "boxed", "bold", "top"]
"""Caption style presets (font, size, colour, outline or box, position): see captions.STYLES."""


class CaptionWord(_Model):
    """One word of a caption line, for the word highlight (karaoke)."""

    text: str = Field(min_length=1, max_length=200)
    """The word as shown."""
    start: Frames
    """Timeline frame where the word is first spoken."""
    end: Frames
    """Timeline frame after the word (exclusive)."""


class CaptionLine(_Model):
    """One caption on screen: its text and the timeline frames it shows on."""

    id: ItemId
    """Unique among the caption lines."""
    text: str = Field(min_length=1, max_length=500)
    """What is shown; a newline starts a second row."""
    start: Frames
    """First timeline frame with the line."""
    length: Length
    """Frames the line stays."""
    words: list[CaptionWord] = Field(default_factory=list, max_length=200)
    """The words with their timing (from the transcript); empty after a hand edit of the text."""


class CaptionTrack(_Model):
    """Captions burned into the export (libass) and shown in the preview, from the transcript."""

    lines: list[CaptionLine] = Field(default_factory=list, max_length=20_000)
    """Caption lines in time order; they may not overlap."""
    style: CaptionStyleName = "classic"
    """Style preset: classic (white, black outline, bottom), boxed (white on a dark box, bottom),
    bold (large yellow, thick outline, bottom) or top (white, outline, top)."""
    karaoke: bool = False
    """Highlight the word being spoken."""
    hidden: bool = False
    """Hidden captions are neither previewed nor burned in (SRT/VTT downloads still work)."""


class Timeline(_Model):
    """A whole edit: canvas, video tracks (bottom to top), audio tracks and overlays."""

    version: Literal[1] = SCHEMA_VERSION
    """Schema version; bumped on incompatible changes."""
    canvas: Canvas
    """Size, frame rate and background."""
    video_tracks: list[VideoTrack] = Field(default_factory=list, max_length=64)
    """Ordered bottom to top: later tracks are composited over earlier ones."""
    audio_tracks: list[AudioTrack] = Field(default_factory=list, max_length=64)
    """Mixed together with the video clips' own sound."""
    overlays: list[AnyOverlay] = Field(default_factory=list, max_length=10_000)
    """Text and images over all video tracks; later ones are drawn on top."""
    captions: CaptionTrack | None = None
    """Captions over everything else (null: none)."""


# --- assets -------------------------------------------------------------------------------------

AssetKind = Literal["video", "audio", "image"]


@dataclass(frozen=True)
class AssetInfo:
    """What the timeline needs to know about an asset (from the DB, or from probing a file)."""

    tenant_id: str
    path: Path
    duration_frames: int
    """Length in frames at `fps` (for audio, any rate the resolver likes; 1 for images)."""
    fps: Fraction
    width: int = 0
    height: int = 0
    has_audio: bool = False
    kind: AssetKind = "video"

    @property
    def duration_seconds(self) -> Fraction:
        return Fraction(self.duration_frames) / self.fps


class AssetResolver(Protocol):
    """Looks assets up by id; the API layer backs this with its DB, the CLI with local files."""

    def get(self, asset_id: str) -> AssetInfo | None: ...


@dataclass
class StaticAssets:
    """An AssetResolver over a fixed mapping (CLI, tests, benchmarks)."""

    assets: Mapping[str, AssetInfo] = field(default_factory=dict)

    def get(self, asset_id: str) -> AssetInfo | None:
        return self.assets.get(asset_id)


# --- validation -----------------------------------------------------------------------------------

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Issue:
    """One problem in a timeline: the path of the field at fault and what is wrong."""

    loc: Loc
    msg: str
    type: str

    @property
    def path(self) -> str:
        return ".".join(str(part) for part in self.loc)


class TimelineInvalid(ValueError):
    """A timeline that cannot be rendered; `issues` says where and why (the API maps it to 422)."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("; ".join(f"{i.path}: {i.msg}" for i in issues) or "invalid timeline")


def load_timeline(data: str | bytes | Mapping[str, Any]) -> Timeline:
    """Parse a timeline document, turning pydantic's errors into `TimelineInvalid`."""
    try:
        if isinstance(data, str | bytes):
            return Timeline.model_validate_json(data)
        return Timeline.model_validate(data)
    except ValidationError as exc:
        issues = [Issue(tuple(e["loc"]), e["msg"], e["type"]) for e in exc.errors()]
        raise TimelineInvalid(issues) from exc


def video_clip_length(clip: VideoClip, asset_fps: Fraction, canvas_fps: Fraction) -> int:
    """Timeline frames a video clip lasts: every source frame is shown at least in part."""
    return math.ceil(Fraction(clip.source_out - clip.source_in) * canvas_fps / asset_fps)


def source_frame_at(clip: VideoClip, offset: int, asset_fps: Fraction, canvas_fps: Fraction) -> int:
    """The source frame shown `offset` timeline frames into a clip (sample and hold)."""
    return clip.source_in + math.floor(Fraction(offset) * asset_fps / canvas_fps)


@dataclass(frozen=True)
class Span:
    """A half-open range of timeline frames."""

    start: int
    end: int


@dataclass(frozen=True)
class CheckedTimeline:
    """A timeline that passed `validate_timeline`, with its assets and derived clip spans."""

    timeline: Timeline
    assets: Mapping[str, AssetInfo]
    spans: Mapping[str, Span]
    """Timeline span of every clip and overlay, by id."""
    duration: int
    """Frames from 0 to the end of the last item."""

    def asset(self, asset_id: str) -> AssetInfo:
        return self.assets[asset_id]


def _iter_ids(timeline: Timeline) -> Iterator[tuple[Loc, str]]:
    for t, vtrack in enumerate(timeline.video_tracks):
        yield ("video_tracks", t, "id"), vtrack.id
        for c, vclip in enumerate(vtrack.clips):
            yield ("video_tracks", t, "clips", c, "id"), vclip.id
    for t, atrack in enumerate(timeline.audio_tracks):
        yield ("audio_tracks", t, "id"), atrack.id
        for c, aclip in enumerate(atrack.clips):
            yield ("audio_tracks", t, "clips", c, "id"), aclip.id
    for o, overlay in enumerate(timeline.overlays):
        yield ("overlays", o, "id"), overlay.id


class _Checker:
    def __init__(self, timeline: Timeline, tenant_id: str, resolver: AssetResolver) -> None:
        self.timeline = timeline
        self.fps = timeline.canvas.fps
        self.tenant_id = tenant_id
        self.resolver = resolver
        self.issues: list[Issue] = []
        self.assets: dict[str, AssetInfo] = {}
        self.spans: dict[str, Span] = {}

    def fail(self, loc: Loc, msg: str, kind: str) -> None:
        self.issues.append(Issue(loc, msg, kind))

    def asset(self, loc: Loc, asset_id: str, kinds: tuple[AssetKind, ...]) -> AssetInfo | None:
        info = self.resolver.get(asset_id)
        if info is None or info.tenant_id != self.tenant_id:
            # Another tenant's asset is reported exactly like a missing one: no existence oracle.
            self.fail(loc, f"asset {asset_id!r} not found", "asset_not_found")
            return None
        if info.kind not in kinds:
            self.fail(
                loc,
                f"asset {asset_id!r} is {info.kind}, expected {' or '.join(kinds)}",
                "asset_kind",
            )
            return None
        self.assets[asset_id] = info
        return info

    def run(self) -> CheckedTimeline:
        seen: dict[str, Loc] = {}
        for loc, item_id in _iter_ids(self.timeline):
            if item_id in seen:
                self.fail(loc, f"id {item_id!r} is already used at {_path(seen[item_id])}", "duplicate_id")
            else:
                seen[item_id] = loc
        for t, vtrack in enumerate(self.timeline.video_tracks):
            self.video_track(("video_tracks", t), vtrack)
        for t, atrack in enumerate(self.timeline.audio_tracks):
            self.audio_track(("audio_tracks", t), atrack)
        for o, overlay in enumerate(self.timeline.overlays):
            oloc: Loc = ("overlays", o)
            if isinstance(overlay, ImageOverlay):
                self.asset((*oloc, "asset_id"), overlay.asset_id, ("image",))
                self.fades(oloc, overlay.fade_in, overlay.fade_out, overlay.length)
            self.place(oloc, overlay.id, Span(overlay.start, overlay.start + overlay.length))
        if self.timeline.captions is not None:
            self.captions(("captions",), self.timeline.captions)
        duration = max((s.end for s in self.spans.values()), default=0)
        if self.issues:
            raise TimelineInvalid(self.issues)
        return CheckedTimeline(self.timeline, self.assets, self.spans, duration)

    def captions(self, loc: Loc, track: CaptionTrack) -> None:
        """Caption lines: unique ids, in order without overlaps, words inside their line; they do
        not lengthen the timeline."""
        ids: set[str] = set()
        end = 0
        for n, line in enumerate(track.lines):
            lloc: Loc = (*loc, "lines", n)
            if line.id in ids:
                self.fail((*lloc, "id"), f"caption id {line.id!r} is already used", "duplicate_id")
            ids.add(line.id)
            if line.start < end:
                self.fail((*lloc, "start"), f"caption {line.id} starts at {line.start}, before the "
                          f"previous one ends ({end})", "overlap")  # fmt: skip
            end = max(end, line.start + line.length)
            if Fraction(line.start + line.length) / self.fps > MAX_SECONDS:
                self.fail((*lloc, "start"), "caption ends after 4 hours", "too_long")
            for w, word in enumerate(line.words):
                if not line.start <= word.start < word.end <= line.start + line.length:
                    self.fail((*lloc, "words", w), f"word {word.text!r} ({word.start}-{word.end}) is "
                              f"not inside its line ({line.start}-{line.start + line.length})",
                              "word_outside_line")  # fmt: skip

    def place(self, loc: Loc, item_id: str, span: Span) -> None:
        """Record an item's span; one that ends past 4 hours is reported at its `start`."""
        self.spans[item_id] = span
        if Fraction(span.end) / self.fps > MAX_SECONDS:
            self.fail(
                (*loc, "start"),
                f"{item_id} ends at {float(span.end / self.fps):.0f} s; a timeline may last "
                f"at most {MAX_SECONDS} s (4 hours)",
                "too_long",
            )

    def fades(self, loc: Loc, fade_in: int, fade_out: int, length: int) -> None:
        if fade_in > length:
            self.fail(
                (*loc, "fade_in"),
                f"fade_in ({fade_in}) is longer than the item ({length})",
                "fade_too_long",
            )
        if fade_out > length:
            self.fail(
                (*loc, "fade_out"),
                f"fade_out ({fade_out}) is longer than the item ({length})",
                "fade_too_long",
            )

    def video_track(self, loc: Loc, track: VideoTrack) -> None:
        spans: list[tuple[Span, int]] = []
        for c, clip in enumerate(track.clips):
            cloc: Loc = (*loc, "clips", c)
            if clip.source_out <= clip.source_in:
                self.fail(
                    (*cloc, "source_out"),
                    "source_out must be after source_in",
                    "non_positive_length",
                )
                continue
            info = self.asset((*cloc, "asset_id"), clip.asset_id, ("video",))
            if info is None:
                continue
            if clip.source_out > info.duration_frames:
                self.fail(
                    (*cloc, "source_out"),
                    f"source_out {clip.source_out} is past the end "
                    f"of the asset ({info.duration_frames} frames)",
                    "source_out_of_range",
                )
                continue
            length = video_clip_length(clip, info.fps, self.fps)
            span = Span(clip.start, clip.start + length)
            self.place(cloc, clip.id, span)
            spans.append((span, c))
            self.fades(cloc, clip.fade_in, clip.fade_out, length)
        joins: dict[tuple[str, str], int] = {}
        by_id = {clip.id: clip for clip in track.clips}
        for n, tr in enumerate(track.transitions):
            tloc: Loc = (*loc, "transitions", n)
            a, b = by_id.get(tr.from_clip), by_id.get(tr.to_clip)
            if a is None or b is None:
                missing = "from_clip" if a is None else "to_clip"
                self.fail((*tloc, missing), "no clip with this id on this track", "unknown_clip")
                continue
            sa, sb = self.spans.get(a.id), self.spans.get(b.id)
            if sa is None or sb is None:
                continue
            if sb.start != sa.end - tr.length:
                self.fail(
                    (*tloc, "length"),
                    f"{b.id} must start {tr.length} frames before {a.id} "
                    f"ends (at {sa.end - tr.length}), not at {sb.start}",
                    "transition_gap",
                )
            elif tr.length > min(sa.end - sa.start, sb.end - sb.start):
                self.fail(
                    (*tloc, "length"),
                    "transition is longer than one of its clips",
                    "transition_too_long",
                )
            joins[(a.id, b.id)] = tr.length
        for (prev, p), (cur, c) in _overlaps(spans):
            a_id, b_id = track.clips[p].id, track.clips[c].id
            if joins.get((a_id, b_id)) == prev.end - cur.start:
                continue
            self.fail(
                (*loc, "clips", c, "start"),
                f"clip {b_id} overlaps clip {a_id} "
                f"(frames {cur.start}-{min(prev.end, cur.end) - 1}) without a transition",
                "overlap",
            )

    def audio_track(self, loc: Loc, track: AudioTrack) -> None:
        spans: list[tuple[Span, int]] = []
        for c, clip in enumerate(track.clips):
            cloc: Loc = (*loc, "clips", c)
            info = self.asset((*cloc, "asset_id"), clip.asset_id, ("audio", "video"))
            if info is None:
                continue
            if info.kind == "video" and not info.has_audio:
                self.fail((*cloc, "asset_id"), f"asset {clip.asset_id!r} has no audio", "no_audio")
                continue
            end_s = Fraction(clip.source_in + clip.length) / self.fps
            if end_s > info.duration_seconds:
                self.fail(
                    (*cloc, "length"),
                    f"source_in + length reaches {float(end_s):.3f} s, "
                    f"past the end of the asset ({float(info.duration_seconds):.3f} s)",
                    "source_out_of_range",
                )
                continue
            span = Span(clip.start, clip.start + clip.length)
            self.place(cloc, clip.id, span)
            spans.append((span, c))
            self.fades(cloc, clip.fade_in, clip.fade_out, clip.length)
        for (_, p), (_, c) in _overlaps(spans):
            self.fail(
                (*loc, "clips", c, "start"),
                f"clip {track.clips[c].id} overlaps clip {track.clips[p].id}",
                "overlap",
            )


def _overlaps(
    spans: list[tuple[Span, int]],
) -> Iterator[tuple[tuple[Span, int], tuple[Span, int]]]:
    """Pairs (earlier, later) of spans that overlap, each later one against the furthest-reaching
    span before it."""
    ordered = sorted(spans, key=lambda item: (item[0].start, item[0].end))
    reach: tuple[Span, int] | None = None
    for item in ordered:
        if reach is not None and item[0].start < reach[0].end:
            yield reach, item
        if reach is None or item[0].end > reach[0].end:
            reach = item


def _path(loc: Loc) -> str:
    return ".".join(str(part) for part in loc)


def validate_timeline(timeline: Timeline, *, tenant_id: str, assets: AssetResolver) -> CheckedTimeline:
    """Check everything that needs the whole timeline or its assets; raise `TimelineInvalid`."""
    return _Checker(timeline, tenant_id, assets).run()


def json_schema() -> str:
    """The published JSON schema of the timeline document."""
    return json.dumps(Timeline.model_json_schema(), indent=2)
