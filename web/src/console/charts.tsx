/** Plain SVG charts for the dashboard: stacked columns and grouped bars, each with a text summary for screen readers. */

export interface Series {
  readonly key: string;
  readonly label: string;
  readonly color: string;
}

/** ViewBox widths close to the rendered widths, so that text in the charts reads at its intended size. */
const WIDE = 960;
const NARROW = 440;
const PAD = { top: 12, right: 8, bottom: 28, left: 34 };

/** A "nice" axis maximum and its ticks: 0, and three more evenly spaced. */
function axis(max: number): number[] {
  const top = Math.max(4, max);
  const step = Math.pow(10, Math.floor(Math.log10(top / 4)));
  const nice = [1, 2, 2.5, 5, 10].map((m) => m * step).find((s) => s * 4 >= top) ?? step * 10;
  return [0, 1, 2, 3, 4].map((i) => Math.round(i * nice * 100) / 100);
}

/** Columns per category, each stacked from the series' values. */
export function StackedColumns(props: { categories: readonly string[]; series: readonly Series[]; value: (category: string, series: string) => number; label: string; height?: number }) {
  const W = WIDE;
  const H = props.height ?? 260;
  const totals = props.categories.map((c) => props.series.reduce((sum, s) => sum + props.value(c, s.key), 0));
  const ticks = axis(Math.max(0, ...totals));
  const top = ticks[ticks.length - 1] ?? 1;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, props.categories.length);
  const bar = Math.min(34, slot * 0.68);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const every = Math.ceil(props.categories.length / 8);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.label}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(tick)} y2={y(tick)} className="chart__grid" />
            <text x={PAD.left - 6} y={y(tick) + 4} className="chart__tick" textAnchor="end">
              {tick}
            </text>
          </g>
        ))}
        {props.categories.map((c, i) => {
          let base = 0;
          const x = PAD.left + i * slot + (slot - bar) / 2;
          return (
            <g key={c}>
              {props.series.map((s) => {
                const v = props.value(c, s.key);
                if (v === 0) return null;
                const rect = <rect key={s.key} x={x} width={bar} y={y(base + v)} height={Math.max(1, y(base) - y(base + v))} fill={s.color} rx={2} />;
                base += v;
                return rect;
              })}
              <title>{`${c}: ${totals[i]}`}</title>
              {(props.categories.length - 1 - i) % every === 0 && (
                <text x={x + bar / 2} y={H - 8} className="chart__tick" textAnchor="middle">
                  {c}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <Legend series={props.series.filter((s) => props.categories.some((c) => props.value(c, s.key) > 0))} />
    </figure>
  );
}

/** Horizontal bars per category, one bar per series (grouped). */
export function GroupedBars(props: { categories: readonly string[]; series: readonly Series[]; value: (category: string, series: string) => number; label: string }) {
  const W = NARROW;
  const rowH = 14 * props.series.length + 12;
  const H = PAD.top + rowH * props.categories.length + 8;
  const labelW = 92;
  const max = Math.max(1, ...props.categories.flatMap((c) => props.series.map((s) => props.value(c, s.key))));
  const plotW = W - labelW - 48;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.label}>
        {props.categories.map((c, i) => {
          const top = PAD.top + i * rowH;
          return (
            <g key={c}>
              <text x={labelW - 10} y={top + (rowH - 14) / 2 + 4} className="chart__label" textAnchor="end">
                {c}
              </text>
              <line x1={labelW} x2={labelW} y1={top - 3} y2={top + rowH - 11} className="chart__axis" />
              {props.series.map((s, j) => {
                const v = props.value(c, s.key);
                const width = (v / max) * plotW;
                return (
                  <g key={s.key}>
                    <rect x={labelW} y={top + j * 14} width={Math.max(v > 0 ? 3 : 0, width)} height={11} fill={s.color} rx={2} />
                    <text x={labelW + Math.max(v > 0 ? 3 : 0, width) + 6} y={top + j * 14 + 9.5} className="chart__value">
                      {v}
                    </text>
                  </g>
                );
              })}
            </g>
          );
        })}
      </svg>
      {props.series.length > 1 && <Legend series={props.series} />}
    </figure>
  );
}

function Legend({ series }: { series: readonly Series[] }) {
  return (
    <figcaption className="legend">
      {series.map((s) => (
        <span key={s.key}>
          <i style={{ background: s.color }} aria-hidden="true" /> {s.label}
        </span>
      ))}
    </figcaption>
  );
}
