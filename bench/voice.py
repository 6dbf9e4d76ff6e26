"""Voice cloning quality and speed of the local engine, per reference speaker.

For each synthetic reference speaker (Debian flite / espeak-ng voices): speaker similarity of
the base voice, of the clone, and of the speaker's own other recording (the ceiling); WER of
base and clone on the same sentences; and the real-time factor of say+convert. The clone's
figures are printed against the base voice measured in the same run.

    .venv/bin/python bench/voice.py [speaker ...]
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

from flowai.voice.audio import decode
from flowai.voice.engines.local import LocalEngine, base_frames, base_voice, probe_frames
from flowai.voice.scoring import cosine, speaker_encoder, transcriber, word_error_rate


def load_speakers() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "tests/integration/voice/speakers.py"
    spec = importlib.util.spec_from_file_location("voice_speakers", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(names: list[str]) -> None:
    speakers = load_speakers()
    names = names or speakers.available()
    text = " ".join(speakers.EVAL_SENTENCES)
    engine, encoder, asr = LocalEngine(), speaker_encoder(), transcriber()
    base_frames(), probe_frames()  # one-off warm-up, not part of any figure
    base = engine.say(text)
    base_wer = word_error_rate(text, asr.transcribe(base))
    base_embedding = encoder.embed(base)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            upload = speakers.speak(name, " ".join(speakers.UPLOAD_SENTENCES), Path(tmp) / "u.wav")
            other = speakers.speak(name, text, Path(tmp) / "r.wav")
            sample = decode(upload, base_voice().sample_rate)
            wanted = encoder.embed(sample)

            start = time.perf_counter()
            profile = engine.make_profile(sample)
            clone_s = time.perf_counter() - start

            start = time.perf_counter()
            clone = engine.synthesize(text=text, voice_id=None, profile=profile)
            rtf = (time.perf_counter() - start) / clone.seconds

            rows.append(
                {
                    "speaker": name,
                    "upload_s": sample.seconds,
                    "warp": profile["formant_warp"],
                    "sim_base": cosine(base_embedding, wanted),
                    "sim_clone": cosine(encoder.embed(clone), wanted),
                    "sim_ceiling": cosine(encoder.embed(decode(other)), wanted),
                    "wer_base": base_wer,
                    "wer_clone": word_error_rate(text, asr.transcribe(clone)),
                    "rtf": rtf,
                    "clone_s": clone_s,
                }
            )
            print(f"done {name}", file=sys.stderr)
    print(
        "| speaker | upload s | warp | sim base | sim clone | sim ceiling | clone−base "
        "| WER base | WER clone | RTF say+convert | profile s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['speaker']} | {r['upload_s']:.0f} | {r['warp']:.2f} | {r['sim_base']:.3f} "
            f"| {r['sim_clone']:.3f} | {r['sim_ceiling']:.3f} "
            f"| {r['sim_clone'] - r['sim_base']:+.3f} | {r['wer_base']:.3f} "
            f"| {r['wer_clone']:.3f} | {r['rtf']:.3f} | {r['clone_s']:.1f} |"
        )
    print(f"\nbase voice: {base.seconds:.1f} s of speech, {len(text.split())} words")


if __name__ == "__main__":
    main(sys.argv[1:])
