/** A carer's task as GET /carers/{id}/tasks gives it (the MQTT `task` shape plus the alarm's state). */
export interface Task {
  alarmId: string
  action: 'offer' | 'assigned' | 'withdrawn' | 'reminder'
  state?: string
  expiresAt?: number
  alarm: { kind: string; priority: number; raisedAt: number }
  elder: {
    id: string
    name: string
    phone: string
    address: string
    lat: number
    lon: number
    notes: string
    contacts: { name: string; relation?: string; phone: string }[]
  }
  distanceM: number
  etaMin: number
}

/** Navigation links: the phone's own map app (geo: URI), or AMap's web link that opens the AMap app. */
export function geoLink(t: Task): string {
  return `geo:${t.elder.lat},${t.elder.lon}?q=${t.elder.lat},${t.elder.lon}(${encodeURIComponent(t.elder.name)})`
}

export function amapLink(t: Task): string {
  const to = `${t.elder.lon},${t.elder.lat},${encodeURIComponent(t.elder.name)}`
  return `https://uri.amap.com/navigation?to=${to}&mode=ride&coordinate=wgs84&callnative=1`
}
