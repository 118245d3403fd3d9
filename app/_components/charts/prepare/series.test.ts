import { describe, expect, it } from "vitest";
import { annotationMarks, bandAreas, heatmapCells, linePoints } from "./series";

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

  it("draws moments as lines and spans as bands, clipped to the chart's range, and leaves out what lies outside", () => {
    const marks = annotationMarks(
      [
        { startsAt: new Date(100), endsAt: null, kind: "deploy", title: "loader v2" },
        { startsAt: "1970-01-01T00:00:00.050Z", endsAt: "1970-01-01T00:00:00.150Z", kind: "incident", title: "S3 slow" },
        { startsAt: new Date(500), endsAt: null, kind: "note", title: "later" },
      ],
      80,
      300,
      "#888",
    );
    expect(marks.markLine.data).toEqual([{ name: "Deploy: loader v2", xAxis: 100 }]);
    expect(marks.markArea.data).toEqual([[{ name: "Incident: S3 slow", xAxis: 80 }, { xAxis: 150 }]]);
  });
});
