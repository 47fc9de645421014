/**
 * Draws the benchmark's headline comparisons as one SVG (no dependencies): grouped bars on a log
 * scale, faastlane next to the function-per-container baseline.
 */
export interface BarGroup {
  readonly label: string;
  /** Values by series name (same series in every group). */
  readonly values: Readonly<Record<string, number>>;
}

export interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly groups: readonly BarGroup[];
}

const COLOURS = ['#2b7bb9', '#e07b39', '#6aa84f', '#8e7cc3', '#999999'];

export function chartSvg(title: string, panels: readonly Panel[]): string {
  const panelWidth = 420;
  const panelHeight = 260;
  const width = panelWidth * panels.length + 40;
  const height = panelHeight + 150;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="20" y="24" font-size="16" font-weight="bold">${escape(title)}</text>`,
  ];
  panels.forEach((panel, p) => parts.push(drawPanel(panel, 20 + p * panelWidth, 50, panelWidth - 30, panelHeight)));
  const series = Object.keys(panels[0]?.groups[0]?.values ?? {});
  series.forEach((name, i) => {
    const x = 20 + i * 220;
    parts.push(`<rect x="${x}" y="${height - 30}" width="12" height="12" fill="${COLOURS[i % COLOURS.length]}"/>`);
    parts.push(`<text x="${x + 18}" y="${height - 20}">${escape(name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function drawPanel(panel: Panel, x0: number, y0: number, width: number, height: number): string {
  const values = panel.groups.flatMap((g) => Object.values(g.values)).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  const plotTop = y0 + 24;
  const plotHeight = height - 60;
  const y = (v: number): number => plotTop + plotHeight - ((Math.log10(v) - lo) / Math.max(1, hi - lo)) * plotHeight;
  const out: string[] = [`<text x="${x0}" y="${y0 + 12}" font-weight="bold">${escape(panel.title)} (${escape(panel.unit)}, log scale)</text>`];
  for (let e = lo; e <= hi; e++) {
    const yy = y(10 ** e);
    out.push(`<line x1="${x0 + 40}" x2="${x0 + width}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 + 36}" y="${yy + 4}" text-anchor="end" fill="#555">${formatTick(10 ** e)}</text>`);
  }
  const groupWidth = (width - 50) / panel.groups.length;
  panel.groups.forEach((group, g) => {
    const entries = Object.entries(group.values);
    const barWidth = (groupWidth - 16) / entries.length;
    entries.forEach(([name, value], i) => {
      const bx = x0 + 48 + g * groupWidth + i * barWidth;
      const top = value > 0 ? y(value) : plotTop + plotHeight;
      out.push(`<rect x="${bx}" y="${top}" width="${barWidth - 2}" height="${plotTop + plotHeight - top}" fill="${COLOURS[i % COLOURS.length]}"><title>${escape(`${name}: ${value}`)}</title></rect>`);
    });
    const lx = x0 + 48 + g * groupWidth + (groupWidth - 16) / 2;
    const ly = plotTop + plotHeight + 16;
    // Many groups: slanted labels, so that long names do not run into each other.
    out.push(
      panel.groups.length > 4
        ? `<text x="${lx}" y="${ly}" text-anchor="end" transform="rotate(-35 ${lx} ${ly})">${escape(group.label)}</text>`
        : `<text x="${lx}" y="${ly}" text-anchor="middle">${escape(group.label)}</text>`,
    );
  });
  return out.join('\n');
}

function formatTick(v: number): string {
  return v >= 1000 ? `${v / 1000}k` : v >= 1 ? String(v) : v.toPrecision(1);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
