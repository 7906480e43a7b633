/**
 * A dependency-free SVG bar chart: median latency per operation, ours beside
 * the reference, with whiskers from p25 to p75 (pure). Where F (the bare
 * runtime's start) ran beside an operation, our bar is drawn in two
 * segments, F and the work above it: the part that is ours to win.
 */
import { aboveFloor, floorSplitText, type Summary } from "./stats.ts";

/** One group of bars. */
export interface PlotRow {
  label: string;
  ours: Summary;
  reference: Summary;
  /** F measured beside this operation, if it was. */
  floor?: Summary;
  /** This row's "ours" is F itself (`node -e 0`): drawn in F's colour. */
  isFloor?: boolean;
}

const OURS_COLOUR = "#2f6fb0";
const FLOOR_COLOUR = "#a9c6e4";
const REFERENCE_COLOUR = "#b0b0b0";
const FONT_SIZE = 12;
/** A generous average glyph width for 12 px sans-serif, so no label is clipped. */
const CHAR_WIDTH = 7;

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const textWidth = (text: string) => text.length * CHAR_WIDTH;

/**
 * Render rows as a horizontal bar chart in milliseconds.
 *
 * @param subtitle the run it shows (date, iterations), under the title
 * @example renderLatencySvg([{label: "ADD", ours, reference, floor}], "latency", "2026-12-07, 30 iterations per operation")
 */
export function renderLatencySvg(rows: readonly PlotRow[], title: string, subtitle: string): string {
  const margin = 10;
  const labelWidth = margin * 2 + Math.max(0, ...rows.map((r) => textWidth(r.label)));
  const chartWidth = 520;
  const barHeight = 14;
  const groupHeight = barHeight * 2 + 14;
  const top = 56;
  const legendRows = 2;
  const height = top + rows.length * groupHeight + 20 + legendRows * 18;
  const maxValue = Math.max(1, ...rows.flatMap((r) => [r.ours.p75, r.reference.p75]));
  const scale = chartWidth / maxValue;
  const valueText = (row: PlotRow, who: "ours" | "reference") => {
    const s = row[who];
    if (who === "reference" || !row.floor) return s.median.toFixed(1);
    return floorSplitText(s.median, row.floor.median);
  };
  const rightText = Math.max(Math.max(textWidth(title), textWidth(subtitle)) - labelWidth - chartWidth, ...rows.map((r) => textWidth(valueText(r, "ours"))));
  const width = labelWidth + chartWidth + rightText + margin * 2;
  const x = (ms: number) => (labelWidth + ms * scale).toFixed(1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="${FONT_SIZE}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${margin}" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${margin}" y="38">${escapeXml(subtitle)}</text>`,
  ];
  rows.forEach((row, i) => {
    const y = top + i * groupHeight;
    parts.push(`<text x="${labelWidth - margin}" y="${y + barHeight + 4}" text-anchor="end">${escapeXml(row.label)}</text>`);
    (["ours", "reference"] as const).forEach((who, j) => {
      const s = row[who];
      const by = y + j * barHeight;
      const end = Math.max(1, s.median * scale);
      const name = who === "ours" ? "cni-ts" : "reference";
      if (who === "ours" && row.floor) {
        const floorEnd = Math.min(end, Math.max(0, row.floor.median * scale));
        parts.push(
          `<rect x="${labelWidth}" y="${by}" width="${floorEnd.toFixed(1)}" height="${barHeight - 2}" fill="${FLOOR_COLOUR}"><title>F (node -e 0): median ${row.floor.median.toFixed(1)} ms</title></rect>`,
          `<rect x="${(labelWidth + floorEnd).toFixed(1)}" y="${by}" width="${Math.max(0, end - floorEnd).toFixed(1)}" height="${barHeight - 2}" fill="${OURS_COLOUR}"><title>${name} above F: ${aboveFloor(s.median, row.floor.median).toFixed(1)} ms</title></rect>`,
        );
      } else {
        const colour = who === "reference" ? REFERENCE_COLOUR : row.isFloor ? FLOOR_COLOUR : OURS_COLOUR;
        const what = who === "ours" && row.isFloor ? "F (node -e 0)" : name;
        parts.push(
          `<rect x="${labelWidth}" y="${by}" width="${end.toFixed(1)}" height="${barHeight - 2}" fill="${colour}"><title>${what}: median ${s.median.toFixed(1)} ms</title></rect>`,
        );
      }
      parts.push(
        `<line x1="${x(s.p25)}" x2="${x(s.p75)}" y1="${by + barHeight / 2 - 1}" y2="${by + barHeight / 2 - 1}" stroke="black"/>`,
        `<text x="${(labelWidth + Math.max(end, s.p75 * scale) + 4).toFixed(1)}" y="${by + barHeight - 3}">${valueText(row, who)}</text>`,
      );
    });
  });
  const legendY = height - 18 * legendRows;
  const swatch = (at: number, colour: string, text: string) =>
    `<rect x="${at}" y="${legendY - 10}" width="12" height="12" fill="${colour}"/><text x="${at + 16}" y="${legendY}">${text}</text>`;
  parts.push(
    swatch(margin, FLOOR_COLOUR, "F: node -e 0 (any Node executable's start)"),
    swatch(margin + 320, OURS_COLOUR, "cni-ts above F (or the whole run)"),
    swatch(margin + 580, REFERENCE_COLOUR, "reference (Go)"),
    `<text x="${margin}" y="${legendY + 18}">median ms; whiskers p25–p75</text>`,
    `</svg>`,
  );
  return parts.join("\n") + "\n";
}
