/** Speech seconds, level and clipping of audio, measured the same way live and for a file. */

export interface Meter {
  speechSeconds: number;
  levelDb: number;
  clipped: boolean;
}

export const EMPTY_METER: Meter = { speechSeconds: 0, levelDb: -90, clipped: false };
/** RMS above this (about -40 dBFS) counts as speech: voices are far louder than room noise. */
export const SPEECH_RMS = 0.01;
const CLIP = 0.99;

/** Fold one block of samples (lasting `seconds`) into the meter. */
export function measure(prev: Meter, block: Float32Array, seconds: number): Meter {
  let sum = 0;
  let peakCount = 0;
  for (let i = 0; i < block.length; i++) {
    const v = block[i];
    sum += v * v;
    if (Math.abs(v) >= CLIP) peakCount++;
  }
  const rms = Math.sqrt(sum / Math.max(1, block.length));
  return {
    speechSeconds: prev.speechSeconds + (rms >= SPEECH_RMS ? seconds : 0),
    levelDb: rms > 0 ? Math.max(-90, 20 * Math.log10(rms)) : -90,
    clipped: prev.clipped || peakCount >= 3,
  };
}

/** The meter of a whole decoded recording, in 50 ms blocks. */
export function measureSamples(samples: Float32Array, rate: number): Meter {
  const step = Math.max(1, Math.round(rate * 0.05));
  let meter = EMPTY_METER;
  let loudest = -90;
  for (let i = 0; i < samples.length; i += step) {
    meter = measure(meter, samples.subarray(i, i + step), step / rate);
    loudest = Math.max(loudest, meter.levelDb);
  }
  return { ...meter, levelDb: loudest };
}
