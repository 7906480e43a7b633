/**
 * A dependency-free SVG bar chart: median latency per operation, ours beside
 * the reference, with whiskers from p25 to p75 (pure).
 */
import type { Summary } from "./stats.ts";

/** One group of bars. */
export interface LatencyRow {
  label: string;
  ours: Summary;
  reference: Summary;
}

const OURS_COLOUR = "#2f6fb0";
const REFERENCE_COLOUR = "#b0b0b0";

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Render rows as a horizontal bar chart in milliseconds.
 *
 * @example renderLatencySvg([{label: "ADD", ours, reference}])
 */
export function renderLatencySvg(rows: readonly LatencyRow[], title: string): string {
  const labelWidth = 230;
  const chartWidth = 520;
  const barHeight = 14;
  const groupHeight = barHeight * 2 + 14;
  const top = 40;
  const height = top + rows.length * groupHeight + 40;
  const maxValue = Math.max(1, ...rows.flatMap((r) => [r.ours.p75, r.reference.p75]));
  const scale = chartWidth / maxValue;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + chartWidth + 90}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  rows.forEach((row, i) => {
    const y = top + i * groupHeight;
    parts.push(`<text x="${labelWidth - 8}" y="${y + barHeight + 4}" text-anchor="end">${escapeXml(row.label)}</text>`);
    const bars: [Summary, string, string][] = [
      [row.ours, OURS_COLOUR, "cni-ts"],
      [row.reference, REFERENCE_COLOUR, "reference"],
    ];
    bars.forEach(([summary, colour, who], j) => {
      const by = y + j * barHeight;
      const width = Math.max(1, summary.median * scale);
      parts.push(
        `<rect x="${labelWidth}" y="${by}" width="${width.toFixed(1)}" height="${barHeight - 2}" fill="${colour}"><title>${who}: median ${summary.median.toFixed(1)} ms</title></rect>`,
        `<line x1="${(labelWidth + summary.p25 * scale).toFixed(1)}" x2="${(labelWidth + summary.p75 * scale).toFixed(1)}" y1="${by + barHeight / 2 - 1}" y2="${by + barHeight / 2 - 1}" stroke="black"/>`,
        `<text x="${(labelWidth + Math.max(width, summary.p75 * scale) + 4).toFixed(1)}" y="${by + barHeight - 3}">${summary.median.toFixed(1)}</text>`,
      );
    });
  });
  const legendY = height - 16;
  parts.push(
    `<rect x="${labelWidth}" y="${legendY - 10}" width="12" height="12" fill="${OURS_COLOUR}"/><text x="${labelWidth + 16}" y="${legendY}">cni-ts</text>`,
    `<rect x="${labelWidth + 80}" y="${legendY - 10}" width="12" height="12" fill="${REFERENCE_COLOUR}"/><text x="${labelWidth + 96}" y="${legendY}">reference (Go)</text>`,
    `<text x="${labelWidth + 220}" y="${legendY}">median ms; whiskers p25–p75</text>`,
    `</svg>`,
  );
  return parts.join("\n") + "\n";
}
