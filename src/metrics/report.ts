import type { LocalizationReport } from './localization';

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** The report as text: summary lines, then a threshold table and a per-class table. */
export function formatLocalizationReport(
  report: LocalizationReport,
  options: { paperThreshold: number; chosenThreshold: number; labels?: string[] },
): string {
  const name = (c: number) => options.labels?.[c] ?? String(c);
  const at = (t: number) => report.byThreshold.find((s) => Math.abs(s.threshold - t) < 1e-9);
  const paper = at(options.paperThreshold);
  const chosen = at(options.chosenThreshold);
  const chosenIndex = report.byThreshold.findIndex((s) => s === chosen);
  const lines = [
    `canvases: ${report.count}`,
    `classification accuracy: ${pct(report.accuracy)}`,
    `pointing game (CAM peak inside the true box): ${pct(report.pointingGame)}`,
  ];
  for (const [label, s] of [
    [`paper threshold ${options.paperThreshold}`, paper],
    [`validated threshold ${options.chosenThreshold}`, chosen],
  ] as const) {
    if (s)
      lines.push(
        `${label}: top-1 localization ${pct(s.top1Localization)}, GT-known localization ${pct(s.gtKnownLocalization)}, mean IoU ${s.meanIou.toFixed(3)}`,
      );
  }
  const b = report.centreBaseline;
  lines.push(
    `centre baseline (${b.box.width}×${b.box.height} box at the centre): localization ${pct(b.localization)}, mean IoU ${b.meanIou.toFixed(3)}`,
  );
  lines.push('', 'threshold  top-1 loc  GT-known loc  mean IoU');
  for (const s of report.byThreshold) {
    lines.push(
      `${s.threshold.toFixed(2).padStart(9)}  ${pct(s.top1Localization).padStart(9)}  ${pct(s.gtKnownLocalization).padStart(12)}  ${s.meanIou.toFixed(3).padStart(8)}`,
    );
  }
  lines.push('', `class  count  accuracy  most confused with  GT-known loc @ ${options.chosenThreshold}`);
  for (const c of [...report.byClass].sort((a, b) => a.accuracy - b.accuracy)) {
    const confused = c.confusedWith ? `${name(c.confusedWith.label)} (${c.confusedWith.count})` : '-';
    const loc = chosenIndex >= 0 ? pct(c.gtKnownLocalization[chosenIndex]) : '-';
    lines.push(
      `${name(c.label).padStart(5)}  ${String(c.count).padStart(5)}  ${pct(c.accuracy).padStart(8)}  ${confused.padStart(18)}  ${loc.padStart(12)}`,
    );
  }
  return lines.join('\n');
}
