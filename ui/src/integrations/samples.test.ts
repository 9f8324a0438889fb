import { describe, expect, it } from "vitest";
import { readSample, sampleText, SAMPLES } from "./samples";
import type { Preset } from "./sources";

describe("samples", () => {
  it("reads back every preset's sample as written", () => {
    for (const preset of Object.keys(SAMPLES) as Preset[]) {
      const { sample, error } = readSample(sampleText(preset));
      expect(error).toBeNull();
      expect(sample).toEqual({ headers: SAMPLES[preset].headers, payload: SAMPLES[preset].payload });
    }
  });

  it("says what is wrong with a sample", () => {
    expect(readSample("headers: {}").error).toMatch(/payload/);
    expect(readSample("payload: {a: 1}\nheaders: [x]").error).toMatch(/mapping/);
    expect(readSample("payload: [1").error).toMatch(/^Line/);
    expect(readSample("payload: {a: 1}\nheaders: {X-Count: 3}").sample?.headers).toEqual({ "X-Count": "3" });
  });
});
