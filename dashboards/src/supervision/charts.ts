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
import type { Alarm } from '../shared/model.ts'

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

const ON_TIME_MS = 15 * 60_000
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

function day(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

function days(from: number, to: number): string[] {
  const out: string[] = []
  for (let t = from; t < to && out.length < 400; t += 86_400_000) out.push(day(t))
  if (!out.includes(day(to - 1))) out.push(day(to - 1))
  return out
}

/** Charts over time, drawn by Chart.js from the window's alarms (GET /alarms). */
export class Charts {
  readonly #charts: Chart[] = []

  destroy(): void {
    for (const c of this.#charts.splice(0)) c.destroy()
  }

  byKind(canvas: HTMLCanvasElement, alarms: Alarm[], from: number, to: number): void {
    const labels = days(from, to)
    const kinds = [...new Set(alarms.map((a) => a.kind))].sort()
    const datasets = kinds.map((kind, i) => ({
      label: word('kind', kind),
      backgroundColor: palette[i % palette.length] ?? '#607d8b',
      data: labels.map((d) => alarms.filter((a) => a.kind === kind && day(a.raisedAt) === d).length),
    }))
    this.#charts.push(
      new Chart(canvas, {
        type: 'bar',
        data: { labels, datasets },
        options: {
          animation: false,
          maintainAspectRatio: false,
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
        },
      }),
    )
  }

  response(canvas: HTMLCanvasElement, alarms: Alarm[], label: string): void {
    const edges = [1, 2, 3, 5, 10, 15, 30]
    const labels = [...edges.map((e, i) => `${i === 0 ? 0 : edges[i - 1]}–${e}`), '30+']
    const counts = labels.map(() => 0)
    for (const a of alarms) {
      if (a.acceptedAt === undefined) continue
      const min = (a.acceptedAt - a.raisedAt) / 60_000
      const i = edges.findIndex((e) => min < e)
      const k = i === -1 ? edges.length : i
      counts[k] = (counts[k] ?? 0) + 1
    }
    this.#charts.push(
      new Chart(canvas, {
        type: 'bar',
        data: { labels, datasets: [{ label, data: counts, backgroundColor: '#1565c0' }] },
        options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
      }),
    )
  }

  onTime(
    canvas: HTMLCanvasElement,
    alarms: Alarm[],
    from: number,
    to: number,
    now: number,
    label: string,
  ): void {
    const labels = days(from, to)
    const data = labels.map((d) => {
      // docs/stats.md: due a visit = P1–3, not cancelled, arrived or raised 15 min ago
      const due = alarms.filter(
        (a) =>
          day(a.raisedAt) === d &&
          a.priority <= 3 &&
          a.state !== 'cancelled' &&
          !(a.outcome === 'false_alarm' && a.arrivedAt === undefined) &&
          (a.arrivedAt !== undefined || now - a.raisedAt >= ON_TIME_MS),
      )
      if (due.length === 0) return null
      const ok = due.filter((a) => a.arrivedAt !== undefined && a.arrivedAt - a.raisedAt <= ON_TIME_MS).length
      return Math.round((ok / due.length) * 1000) / 10
    })
    this.#charts.push(
      new Chart(canvas, {
        type: 'line',
        data: {
          labels,
          datasets: [
            { label, data, borderColor: '#2e7d32', spanGaps: true, pointStyle: 'rectRot', pointRadius: 4 },
          ],
        },
        options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 100 } } },
      }),
    )
  }
}
