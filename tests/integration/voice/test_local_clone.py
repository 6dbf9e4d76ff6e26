"""The local engine's clones: closer to the reference speaker than the base voice, still
intelligible, faster than real time, and usable from the CLI."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from flowai.voice.audio import Audio, decode, write_wav
from flowai.voice.cli import register
from flowai.voice.engines.local import LocalEngine, base_voice
from flowai.voice.engines.world import PROFILE_FORMAT, PROFILE_VERSION
from flowai.voice.scoring import cosine, speaker_encoder, transcriber, word_error_rate

REFERENCE_SPEAKERS = ["flite-awb", "flite-slt", "flite-rms", "espeak-f3"]


@pytest.fixture(scope="session")
def engine() -> LocalEngine:
    return LocalEngine()


@pytest.fixture(scope="session")
def base_speech(engine: LocalEngine, eval_text: str) -> Audio:
    return engine.say(eval_text)


@pytest.fixture(scope="session")
def base_wer(base_speech: Audio, eval_text: str) -> float:
    return word_error_rate(eval_text, transcriber().transcribe(base_speech))


@pytest.fixture(scope="session")
def profiles(engine: LocalEngine, upload: Callable[[str], Path]) -> Callable[[str], dict[str, Any]]:
    made: dict[str, dict[str, Any]] = {}

    def get(name: str) -> dict[str, Any]:
        if name not in made:
            sample = decode(upload(name), base_voice().sample_rate)
            made[name] = engine.make_profile(sample)
        return made[name]

    return get


@pytest.mark.slow
@pytest.mark.parametrize("speaker", REFERENCE_SPEAKERS)
def test_clone_is_closer_to_the_speaker_and_as_intelligible(
    speaker: str,
    engine: LocalEngine,
    base_speech: Audio,
    base_wer: float,
    profiles: Callable[[str], dict[str, Any]],
    upload: Callable[[str], Path],
    eval_text: str,
) -> None:
    encoder = speaker_encoder()
    reference = encoder.embed(decode(upload(speaker)))
    clone = engine.convert(base_speech, profiles(speaker))

    base_similarity = cosine(encoder.embed(base_speech), reference)
    clone_similarity = cosine(encoder.embed(clone), reference)
    clone_wer = word_error_rate(eval_text, transcriber().transcribe(clone))

    assert clone_similarity >= base_similarity + 0.15, (base_similarity, clone_similarity)
    assert clone_wer <= base_wer + 0.10, (base_wer, clone_wer)


@pytest.mark.slow
def test_profile_is_small_versioned_json(profiles: Callable[[str], dict[str, Any]]) -> None:
    text = json.dumps(profiles("flite-slt"))
    assert len(text) < 8_000
    slt = json.loads(text)
    awb = profiles("flite-awb")
    assert slt["format"] == PROFILE_FORMAT and slt["version"] == PROFILE_VERSION
    # slt is a woman, awb a man: her profile is pitched and formant-shifted above his
    assert slt["f0"]["target_log_mean"] > awb["f0"]["target_log_mean"] + 0.2
    assert slt["formant_warp"] > awb["formant_warp"]


@pytest.mark.slow
def test_say_and_convert_run_faster_than_real_time(
    engine: LocalEngine, profiles: Callable[[str], dict[str, Any]], eval_text: str
) -> None:
    profile = profiles("flite-awb")
    start = time.perf_counter()
    speech = engine.synthesize(text=eval_text, voice_id=None, profile=profile)
    elapsed = time.perf_counter() - start
    assert speech.seconds > 10
    assert elapsed / speech.seconds < 1.0


@pytest.mark.slow
def test_cli_say_with_profile_and_score(
    tmp_path: Path, profiles: Callable[[str], dict[str, Any]], upload: Callable[[str], Path]
) -> None:
    app = typer.Typer()
    app.command()(lambda: None)  # a root command so "voice" is a sub-command
    register(app)
    runner = CliRunner()
    profile_path = tmp_path / "slt.json"
    profile_path.write_text(json.dumps(profiles("flite-slt")))
    out, base_out = tmp_path / "clone.wav", tmp_path / "base.wav"
    text = "Use a pencil to write the first draft."

    said = runner.invoke(app, ["voice", "say", "--voice", str(profile_path), "--text", text, "-o", str(out)])
    assert said.exit_code == 0, said.output
    runner.invoke(app, ["voice", "say", "--text", text, "-o", str(base_out)])
    assert decode(out).seconds == pytest.approx(json.loads(said.output)["seconds"], abs=0.05)

    scores = {}
    for name, path in (("clone", out), ("base", base_out)):
        result = runner.invoke(
            app,
            ["voice", "score", "--reference", str(upload("flite-slt")), str(path), "--text", text],
        )
        assert result.exit_code == 0, result.output
        scores[name] = json.loads(result.output)
    assert scores["clone"]["similarity"] > scores["base"]["similarity"]
    assert scores["base"]["wer"] <= 0.25 and set(scores["clone"]) == {"similarity", "wer", "transcript"}


def test_cli_say_rejects_a_bad_profile(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(lambda: None)
    register(app)
    bad = tmp_path / "old.json"
    bad.write_text(json.dumps({"format": PROFILE_FORMAT, "version": 0}))
    result = CliRunner().invoke(
        app, ["voice", "say", "--voice", str(bad), "--text", "Hi.", "-o", str(tmp_path / "x.wav")]
    )
    assert result.exit_code == 2
    assert "clone the voice again" in result.output
    assert not (tmp_path / "x.wav").exists()


def test_wav_written_by_the_engine_round_trips(tmp_path: Path) -> None:
    audio = Audio(np.zeros(2205, dtype=np.float32), 22_050)
    write_wav(tmp_path / "z.wav", audio)
    assert decode(tmp_path / "z.wav").seconds == pytest.approx(0.1)
