/**
 * A horizontal bar chart drawn as inline SVG: no chart library, nothing fetched, nothing the
 * content security policy has to allow. Each bar's value is written beside it, and the figures
 * are in a table on the same page, so the chart is never the only way to read them.
 */
export interface Bar {
  label: string;
  value: number;
  /** How the value is written beside its bar. */
  text: string;
}

const barHeight = 24;
const gap = 8;
const labelWidth = 180;
const valueWidth = 90;
const width = 640;

/** Long labels are cut: the chart is a glance, the table below has the whole name. */
const short = (label: string) => (label.length > 26 ? `${label.slice(0, 25)}…` : label);

export function BarChart({ title, bars }: { title: string; bars: Bar[] }) {
  const max = Math.max(...bars.map((b) => b.value), 1);
  const plot = width - labelWidth - valueWidth;
  const height = bars.length * (barHeight + gap);
  const id = `chart-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <figure class="bar-chart">
      <figcaption id={id}>{title}</figcaption>
      <svg role="img" aria-labelledby={id} viewBox={`0 0 ${width} ${height}`} width="100%" data-chart={id}>
        {bars.map((bar, i) => {
          const y = i * (barHeight + gap);
          const length = Math.max(2, (bar.value / max) * plot);
          return (
            <g key={bar.label} data-bar={bar.label}>
              <text x={labelWidth - 8} y={y + barHeight / 2} text-anchor="end" dominant-baseline="middle">
                {short(bar.label)}
              </text>
              <rect x={labelWidth} y={y} width={length} height={barHeight} rx={3} class="bar" />
              <text x={labelWidth + length + 6} y={y + barHeight / 2} dominant-baseline="middle">
                {bar.text}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
