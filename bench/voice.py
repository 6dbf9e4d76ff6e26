"""Voice cloning: the wall time a creator waits, and quality and speed per reference speaker.

Part 1, clone wall time: a fresh `flowai serve` (SQLite, in-process jobs, the local engine, cold
models: a creator's first clone after a deploy), one 90 s recording of a flite speaker uploaded
through the API; the time from the start of the upload to its 202, to each stage of the job
(read off `GET /v1/jobs/{id}/events`, as the web page sees them) and to "ready". The figure is
the wall time against the length of the sample (a ratio ≤ 1 meets the "90 s sample in 90 s"
target), with the load average of the machine while it ran. `--src DIR` serves another source
tree (a checkout of an older commit) for a before/after in the same run.

Part 2, quality: for each synthetic reference speaker (Debian flite / espeak-ng voices): speaker
similarity of the base voice, of the clone, and of the speaker's own other recording (the
ceiling); WER of base and clone on the same sentences; and the real-time factor of say+convert.
The clone's figures are printed against the base voice measured in the same run.

    .venv/bin/python bench/voice.py [--only clone|quality] [--seconds 90] [--src DIR ...] [speaker ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from benchkit import cpu_seconds, flowai, free_port, wait_until_serving

from flowai.voice.audio import Audio, decode, write_wav
from flowai.voice.engines.local import LocalEngine, base_frames, base_voice, probe_frames
from flowai.voice.scoring import cosine, speaker_encoder, transcriber, word_error_rate


def load_speakers() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "tests/integration/voice/speakers.py"
    spec = importlib.util.spec_from_file_location("voice_speakers", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_sample(seconds: float, out: Path) -> Path:
    """flite awb reading the upload sentences (twice over when needed), cut to `seconds`."""
    speakers = load_speakers()
    text = " ".join(speakers.UPLOAD_SENTENCES * 2)
    raw = speakers.speak("flite-awb", text, out.with_suffix(".raw.wav"))
    audio = decode(raw)
    write_wav(out, Audio(audio.samples[: int(seconds * audio.sample_rate)], audio.sample_rate))
    return out


def clone_wall_time(sample: Path, src: Path | None, workdir: Path) -> dict[str, Any]:
    """Upload `sample` to a fresh server and follow the clone job to its end."""
    env = {**os.environ, "FLOWAI_DATA_DIR": str(workdir), "FLOWAI_LOG_LEVEL": "WARNING",
           "FLOWAI_DATABASE_URL": f"sqlite:///{workdir}/bench.db", "FLOWAI_VOICE_ENGINE": "local"}  # fmt: skip
    if src is not None:
        env["PYTHONPATH"] = str(src)

    flowai(env, "db", "upgrade")
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    flowai(env, "users", "create", "--email", email, "--password", "benchmark-password")
    key = flowai(env, "apikeys", "create", "--user", email, "--scopes", "read,voice:write")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "flowai", "serve", "--port", str(port), "--no-migrate"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    events: list[tuple[float, str, int]] = []
    try:
        wait_until_serving(base)
        auth = {"Authorization": f"Bearer {key}"}
        load_before = os.getloadavg()
        with httpx.Client(base_url=base, headers=auth, timeout=900) as c:
            cpu_before = cpu_seconds(server.pid)
            started = time.monotonic()
            r = c.post("/v1/voice/clone?consent=true&filename=sample.wav", content=sample.read_bytes(),
                       headers={"Content-Type": "audio/wav"})  # fmt: skip
            accepted = time.monotonic() - started
            if r.status_code != 202:
                raise SystemExit(f"upload answered {r.status_code}: {r.text}")
            job_id = r.json()["job_id"]
            with c.stream("GET", f"/v1/jobs/{job_id}/events") as stream:
                for line in stream.iter_lines():
                    if line.startswith("data: "):
                        snap = json.loads(line[6:])
                        events.append((time.monotonic() - started, snap["stage"], snap["progress"]))
                        if snap["status"] in ("succeeded", "failed", "cancelled"):
                            break
            total = time.monotonic() - started
            cpu = cpu_seconds(server.pid) - cpu_before
            voice = c.get("/v1/voice").json()
    finally:
        server.terminate()
        server.wait(20)
    stages: list[dict[str, Any]] = []
    for at, stage, _ in events:
        if not stages or stages[-1]["stage"] != stage:
            stages.append({"stage": stage, "at_s": round(at, 1)})
    for here, after in zip(stages, stages[1:], strict=False):
        here["took_s"] = round(after["at_s"] - here["at_s"], 1)
    clone = voice.get("last_attempt") or {}
    return {
        "sample_s": round(decode(sample).seconds, 1), "accepted_s": round(accepted, 2),
        "wall_s": round(total, 1), "cpu_s": round(cpu, 1), "status": clone.get("status"), "stages": stages,
        "metrics": clone.get("metrics"), "quality": {k: (clone.get("quality") or {}).get(k)
                                                       for k in ("similarity", "base_similarity", "wer")},
        "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }  # fmt: skip


def clone_bench(seconds: float, sources: list[Path | None]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sample = make_sample(seconds, Path(tmp) / "sample.wav")
        results = []
        for i, src in enumerate(sources):
            work = Path(tmp) / f"run{i}"
            work.mkdir()
            result = clone_wall_time(sample, src, work)
            result["source"] = str(src) if src else "this tree"
            results.append(result)
            print(json.dumps(result), file=sys.stderr)
    for r in results:
        print(f"\n{r['source']}: {r['sample_s']:.0f} s sample → {r['status']} in {r['wall_s']:.1f} s wall "
              f"(wall / sample = {r['wall_s'] / r['sample_s']:.2f}), {r['cpu_s']:.1f} CPU s in the server; "
              f"202 after {r['accepted_s']:.2f} s; "
              f"{r['cpus']} CPUs, load average {r['load_before'][0]:.1f} before, {r['load_after'][0]:.1f} after")  # fmt: skip
        print("| stage | starts at s | takes s |\n|---|---|---|")
        for st in r["stages"]:
            print(f"| {st['stage']} | {st['at_s']:.1f} | {st.get('took_s', 0):.1f} |")
        print(f"job metrics: {json.dumps(r['metrics'])}\nquality: {json.dumps(r['quality'])}")


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("clone", "quality"))
    parser.add_argument("--seconds", type=float, default=90.0, help="length of the cloned sample")
    parser.add_argument("--src", type=Path, action="append", default=[],
                        help="also serve this source tree (its src/ folder) first, as the baseline")  # fmt: skip
    parser.add_argument("speakers", nargs="*")
    args = parser.parse_args()
    if args.only in (None, "clone"):
        clone_bench(args.seconds, [*args.src, None])
    if args.only in (None, "quality"):
        main(args.speakers)
