import { describe, expect, it } from "vitest";
import { bandAreas, heatmapCells, linePoints } from "./series";

describe("chart preparation", () => {
  it("keeps a missing value as a gap in a line", () => {
    expect(linePoints([0, 10, 20], [0.5, null, 0])).toEqual([[0, 0.5], [10, null], [20, 0]]);
  });

  it("leaves a heatmap cell out where the GPU sent nothing, and keeps a real 0", () => {
    expect(heatmapCells([[0.2, null], [0, 1]])).toEqual([[0, 0, 0.2], [0, 1, 0], [1, 1, 1]]);
  });

  it("turns workload bands into mark areas", () => {
    expect(bandAreas([{ workload: "ml/a", fromMs: 0, toMs: 60 }])).toEqual([[{ name: "ml/a", xAxis: 0 }, { xAxis: 60 }]]);
  });
});
