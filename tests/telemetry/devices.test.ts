import { describe, expect, it } from 'vitest'
import { DeviceStates } from '../../gateway/telemetry/devices.ts'
import type { DeviceLive } from '../../gateway/telemetry/ports.ts'
import { MemoryDeviceStates } from '../support/memory/telemetry.ts'

/** Devices' live state and elders' fence state, held in memory and written through the repository. */

const aDevice = (over: Partial<DeviceLive> = {}): DeviceLive => ({
  id: 'D01',
  elderId: 'E01',
  intervalS: 60,
  createdAt: 1_000,
  ...over,
})

async function loaded(repo = new MemoryDeviceStates([aDevice()])): Promise<{
  repo: MemoryDeviceStates
  states: DeviceStates
}> {
  const states = new DeviceStates(repo)
  await states.load()
  return { repo, states }
}

describe('DeviceStates', () => {
  it('holds every device and fence state the repository had at start', async () => {
    const repo = new MemoryDeviceStates([aDevice(), aDevice({ id: 'D02', lastSeenAt: 5_000, online: true })])
    repo.fences.set('E01', { outside: true, strikes: 2, at: 4_000 })
    const { states } = await loaded(repo)
    expect([...states.all()].map((d) => d.id)).toEqual(['D01', 'D02'])
    expect(states.get('D02')).toMatchObject({ lastSeenAt: 5_000, online: true })
    expect(states.fence('E01')).toEqual({ outside: true, strikes: 2 })
    // an elder never outside: inside, no strikes
    expect(states.fence('E09')).toEqual({ outside: false, strikes: 0 })
  })

  it('stores a status, keeping the battery and firmware a status leaves out', async () => {
    const { repo, states } = await loaded()
    const device = aDevice()
    await states.status(device, { online: true, battery: 80, fw: '1.2', at: 2_000 })
    await states.status(device, { online: false, at: 3_000 })
    expect(states.get('D01')).toMatchObject({ online: false, battery: 80, fw: '1.2', lastSeenAt: 3_000 })
    expect(repo.devices.get('D01')).toMatchObject({
      online: false,
      battery: 80,
      fw: '1.2',
      lastSeenAt: 3_000,
    })
    expect(repo.writes).toEqual(['status:D01', 'status:D01'])
  })

  it('takes a device registered after start from the fact an uplink holds, and follows a new owner', async () => {
    const { repo, states } = await loaded()
    states.heard(aDevice({ id: 'D05', elderId: 'E05', intervalS: 300 }), 7_000)
    expect(states.get('D05')).toMatchObject({ elderId: 'E05', intervalS: 300, lastSeenAt: 7_000 })
    await states.status(aDevice({ id: 'D05', elderId: 'E05', intervalS: 300 }), { online: true, at: 8_000 })
    // the registry moved it to another elder: its live state stays
    states.heard(aDevice({ id: 'D05', elderId: 'E06', intervalS: 300 }), 9_000)
    expect(states.get('D05')).toMatchObject({ elderId: 'E06', online: true, lastSeenAt: 9_000 })
    // being heard is stored by the telemetry writer's batch, not here
    expect(repo.writes).toEqual(['status:D05'])
  })

  it('marks a silent device offline and records a test press, each written through', async () => {
    const { repo, states } = await loaded()
    await states.status(aDevice(), { online: true, at: 2_000 })
    await states.offline('D01')
    await states.testPressed('D01', 4_000)
    expect(states.get('D01')).toMatchObject({ online: false, lastTestAt: 4_000 })
    expect(repo.devices.get('D01')).toMatchObject({ online: false, lastTestAt: 4_000 })
    expect(repo.writes).toEqual(['status:D01', 'offline:D01', 'test:D01'])
  })

  it('holds a fence state at once, and answers the write’s failure to whoever waits for it', async () => {
    const { repo, states } = await loaded()
    await states.setFence('E01', { outside: false, strikes: 1 }, 2_000)
    expect(repo.fences.get('E01')).toEqual({ outside: false, strikes: 1, at: 2_000 })
    repo.failNext = 1
    await expect(states.setFence('E01', { outside: true, strikes: 2 }, 3_000)).rejects.toThrow(/refused/)
    // the next fix steps from what memory holds, whatever the store said
    expect(states.fence('E01')).toEqual({ outside: true, strikes: 2 })
    expect(repo.fences.get('E01')).toEqual({ outside: false, strikes: 1, at: 2_000 })
  })

  it('forgets an erased device and an erased elder’s fence state', async () => {
    const { states } = await loaded()
    await states.setFence('E01', { outside: true, strikes: 2 }, 2_000)
    states.forget('D01')
    states.forgetElder('E01')
    expect(states.get('D01')).toBeUndefined()
    expect([...states.all()]).toEqual([])
    expect(states.fence('E01')).toEqual({ outside: false, strikes: 0 })
  })
})
