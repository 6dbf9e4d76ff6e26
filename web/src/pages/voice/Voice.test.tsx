import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import { App } from "../../App";
import { THEME, USER, fakeApi, json, problem } from "../../test/fakeApi";
import { EMPTY_METER, measure, measureSamples } from "./meter";

const READY = {
  status: "ready", voice_id: "local_abc", engine: "local",
  clone: {
    id: "c1", status: "ready", engine: "local", voice_id: "local_abc", job_id: "j1",
    report: { speech_s: 73.6, snr_db: 30 }, quality: { similarity: 0.62, base_similarity: 0.31, wer: 0.13, sentences: [], transcript: "" },
    error: null, error_code: null, created_at: "2026-11-26T10:00:00Z", ready_at: "2026-11-26T10:01:00Z",
  },
  last_attempt: null,
};
const NONE = { status: "none", voice_id: null, engine: "local", clone: null, last_attempt: null };

function renderVoice() {
  return render(
    <MemoryRouter initialEntries={["/voice"]}>
      <App />
    </MemoryRouter>,
  );
}

describe("meter", () => {
  it("counts loud blocks as speech and flags clipping", () => {
    const loud = new Float32Array(800).fill(0.2);
    const quiet = new Float32Array(800).fill(0.001);
    let m = measure(EMPTY_METER, loud, 0.05);
    m = measure(m, quiet, 0.05);
    expect(m.speechSeconds).toBeCloseTo(0.05);
    expect(m.clipped).toBe(false);
    expect(measureSamples(new Float32Array(16000).fill(1), 16000).clipped).toBe(true);
  });
});

describe("Voice page", () => {
  it("shows the quality numbers of a ready voice and plays both voices", async () => {
    document.cookie = "flowai_csrf=csrf-voice; path=/";
    const api = fakeApi({
      "GET /v1/tenant/theme": () => json(THEME),
      "GET /v1/me": () => json(USER),
      "GET /v1/voice": () => json(READY),
      "POST /v1/tts": (call) =>
        json({ id: `n-${(call.body as { voice: string }).voice}`, status: "ready", voice: "x", job_id: null,
          download_url: `/a/${(call.body as { voice: string }).voice}.wav`, wer: 0.1, wer_passed: true, attempts: 1, error: null },
          { status: 201 }),
    });
    renderVoice();
    expect(await screen.findByText("62%")).toBeTruthy();
    expect(screen.getByText("13%")).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Speak" }));
    await waitFor(() => expect(screen.getByLabelText("Cloned voice")).toBeTruthy());
    expect(screen.getByLabelText("Default voice").getAttribute("src")).toBe("/a/default.wav");
    expect(api.callsTo("POST /v1/tts").map((c) => (c.body as { voice: string }).voice).sort()).toEqual(["default", "me"]);
  });

  it("needs consent before uploading and shows the server's reason for a refusal", async () => {
    document.cookie = "flowai_csrf=csrf-voice; path=/";
    const api = fakeApi({
      "GET /v1/tenant/theme": () => json(THEME),
      "GET /v1/me": () => json(USER),
      "GET /v1/voice": () => json(NONE),
      "POST /v1/voice/clone?consent=true&filename=me.wav": () =>
        problem(422, { type: "https://flowai.dev/problems/voice-too-short", detail: "Only 20 s of speech was found." }),
    });
    renderVoice();
    await screen.findByText("No voice yet.");
    await userEvent.upload(screen.getByLabelText("Upload a recording"), new File(["RIFF"], "me.wav", { type: "audio/wav" }));
    const button = screen.getByRole("button", { name: "Clone my voice" }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    await userEvent.click(screen.getByRole("checkbox"));
    await userEvent.click(button);
    expect(await screen.findByText("Only 20 s of speech was found.")).toBeTruthy();
    expect(api.callsTo("POST /v1/voice/clone?consent=true&filename=me.wav")[0].raw).toBeInstanceOf(Blob);
  });
});
