// A chart on the page: Apache ECharts (bars, lines, heatmaps; tree-shaken to the parts used, canvas renderer) in a
// Preact component that sets its option on every change and resizes with its box. `data-points` counts the
// values drawn, so that a test can tell the chart was updated; ECharts' aria describes the data to screen readers.
// Not here: what any chart shows (pages/).
import { BarChart, HeatmapChart, LineChart, ScatterChart } from "echarts/charts";
import { AriaComponent, DataZoomComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "preact/hooks";

echarts.use([BarChart, LineChart, HeatmapChart, ScatterChart, GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, DataZoomComponent, AriaComponent, CanvasRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

/** Values drawn by an option's series. */
function points(option: ChartOption): number {
  const series = (option.series ?? []) as { data?: unknown[] }[];
  return (Array.isArray(series) ? series : [series]).reduce((n, s) => n + (s.data?.length ?? 0), 0);
}

export function Chart({ option, height = 320, label, testid }: { option: ChartOption; height?: number; label: string; testid: string }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    const c = echarts.init(box.current!, null, { renderer: "canvas" });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(box.current!);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ aria: { enabled: true }, animation: false, ...option }, { notMerge: true });
  }, [option]);
  // ECharts labels its own box with a description of the data (aria); the caption names the chart.
  return (
    <figure class="chart-figure" aria-label={label} data-testid={testid} data-points={points(option)}>
      <div ref={box} class="chart" style={{ height: `${height}px` }} />
    </figure>
  );
}
