import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js'
import { word } from '../shared/format.ts'
import type { ChartsAnswer, DayFigures } from './stats.ts'

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Legend,
  Tooltip,
)

const palette = [
  '#c62828',
  '#ef6c00',
  '#f9a825',
  '#2e7d32',
  '#1565c0',
  '#6a1b9a',
  '#00838f',
  '#5d4037',
  '#607d8b',
  '#ad1457',
  '#283593',
]

/** Charts over time, drawn by Chart.js from the figures the server counted (GET /stats/charts). */
export class Charts {
  readonly #charts: Chart[] = []

  destroy(): void {
    for (const c of this.#charts.splice(0)) c.destroy()
  }

  byKind(canvas: HTMLCanvasElement, days: DayFigures[]): void {
    const kinds = (Object.keys(days[0]?.byKind ?? {}) as (keyof DayFigures['byKind'])[])
      .filter((kind) => days.some((d) => d.byKind[kind] > 0))
      .sort()
    const datasets = kinds.map((kind, i) => ({
      label: word('kind', kind),
      backgroundColor: palette[i % palette.length] ?? '#607d8b',
      data: days.map((d) => d.byKind[kind]),
    }))
    this.#charts.push(
      new Chart(canvas, {
        type: 'bar',
        data: { labels: days.map((d) => d.day), datasets },
        options: {
          animation: false,
          maintainAspectRatio: false,
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
        },
      }),
    )
  }

  response(canvas: HTMLCanvasElement, accept: ChartsAnswer['acceptMs'], label: string): void {
    const min = (ms: number) => ms / 60_000
    const labels = accept.bins.map((b) =>
      b.toMs === null ? `${min(b.fromMs)}+` : `${min(b.fromMs)}–${min(b.toMs)}`,
    )
    this.#charts.push(
      new Chart(canvas, {
        type: 'bar',
        data: {
          labels,
          datasets: [{ label, data: accept.bins.map((b) => b.count), backgroundColor: '#1565c0' }],
        },
        options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
      }),
    )
  }

  onTime(canvas: HTMLCanvasElement, days: DayFigures[], label: string): void {
    const data = days.map((d) => (d.onTime.rate === null ? null : Math.round(d.onTime.rate * 1000) / 10))
    this.#charts.push(
      new Chart(canvas, {
        type: 'line',
        data: {
          labels: days.map((d) => d.day),
          datasets: [
            { label, data, borderColor: '#2e7d32', spanGaps: true, pointStyle: 'rectRot', pointRadius: 4 },
          ],
        },
        options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 100 } } },
      }),
    )
  }
}
