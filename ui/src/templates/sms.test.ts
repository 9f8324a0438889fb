import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { smsSize } from "./sms";

const GSM = [..."@£$¥èéÇØøÅåΔ_ΦΓΛΩ !\"#%&'()*+,-./0123456789:;<=>?ABCXYZÄÖÑÜ§¿abcxyzäöñüà\n"];
const gsmText = fc.array(fc.constantFrom(...GSM, "€", "[", "]", "{", "}", "~", "^", "|", "\\"), { maxLength: 700 }).map((c) => c.join(""));

describe("smsSize", () => {
  it("fits 160 GSM-7 characters in one segment and 161 in two of 153", () => {
    expect(smsSize("a".repeat(160))).toMatchObject({ encoding: "GSM-7", units: 160, segments: 1, perSegment: 160 });
    expect(smsSize("a".repeat(161))).toMatchObject({ segments: 2, perSegment: 153 });
    expect(smsSize("a".repeat(306)).segments).toBe(2);
    expect(smsSize("a".repeat(307)).segments).toBe(3);
  });

  it("counts GSM-7 extension characters twice and never splits them", () => {
    expect(smsSize("€".repeat(80))).toMatchObject({ encoding: "GSM-7", characters: 80, units: 160, segments: 1 });
    expect(smsSize("€".repeat(81)).segments).toBe(2);
    // 152 units, then a two-unit character that would straddle the boundary.
    expect(smsSize(`${"a".repeat(152)}€${"a".repeat(152)}`).segments).toBe(3);
  });

  it("switches to UCS-2 for any other character and names it", () => {
    const size = smsSize(`Hi “Ann” ${"a".repeat(60)}`);
    expect(size).toMatchObject({ encoding: "UCS-2", segments: 1, perSegment: 70, unicode: ["“", "”"] });
    expect(smsSize("é".repeat(70)).encoding).toBe("GSM-7");
    expect(smsSize("ê".repeat(70))).toMatchObject({ encoding: "UCS-2", segments: 1 });
    expect(smsSize("ê".repeat(71))).toMatchObject({ segments: 2, perSegment: 67 });
    expect(smsSize("😀".repeat(35))).toMatchObject({ characters: 35, units: 70, segments: 1 });
  });

  it("has no segment for an empty body", () => {
    expect(smsSize("")).toMatchObject({ encoding: "GSM-7", units: 0, segments: 0 });
  });

  it("holds every unit in its segments, with no segment to spare", () => {
    fc.assert(
      fc.property(fc.oneof(gsmText, fc.string({ unit: "grapheme", maxLength: 300 })), (body) => {
        const { units, segments, perSegment } = smsSize(body);
        expect(segments * perSegment).toBeGreaterThanOrEqual(units);
        // Unsplittable pairs waste at most one unit per segment.
        expect((segments - 1) * (perSegment - 1)).toBeLessThan(Math.max(units, 1));
      }),
    );
  });

  it("never needs fewer segments for a longer message", () => {
    fc.assert(
      fc.property(gsmText, gsmText, (a, b) => {
        expect(smsSize(a + b).segments).toBeGreaterThanOrEqual(smsSize(a).segments);
      }),
    );
  });

  it("counts UCS-2 in UTF-16 units once any character leaves GSM-7", () => {
    fc.assert(
      fc.property(gsmText, (body) => {
        const size = smsSize(`${body}ê`);
        expect(size.encoding).toBe("UCS-2");
        expect(size.units).toBe(body.length + 1);
      }),
    );
  });
});
