// The care gateway's two Node-RED nodes (docs/flows.md). Plain CommonJS, as Node-RED loads it.
// Both read global context `care` (set by the gateway): where the broker and the API are, and the
// flows' service login. They use only the public contract: MQTT integration events and the REST API.
'use strict'

const mqtt = require('mqtt')

const EVENTS_TOPIC = 'care/v1/events/alarm'

// One MQTT connection for every "care alarm in" node of the runtime.
const shared = { client: undefined, key: '', listeners: new Set() }

function connect(care) {
  const key = `${care.mqttUrl}|${care.serviceId}|${care.secret}`
  if (shared.client && shared.key === key) return shared.client
  if (shared.client) shared.client.end(true)
  const client = mqtt.connect(care.mqttUrl, {
    username: care.serviceId,
    password: care.secret,
    clientId: `${care.serviceId}-${Math.random().toString(36).slice(2, 10)}`,
    reconnectPeriod: 2000,
  })
  client.on('connect', () => {
    client.subscribe(EVENTS_TOPIC, { qos: 1 })
    for (const listener of shared.listeners) listener.status('connected')
  })
  client.on('close', () => {
    for (const listener of shared.listeners) listener.status('disconnected')
  })
  client.on('message', (_topic, payload) => {
    let event
    try {
      event = JSON.parse(payload.toString('utf8'))
    } catch {
      return
    }
    for (const listener of shared.listeners) listener.event(event)
  })
  shared.client = client
  shared.key = key
  return client
}

function list(text) {
  return String(text || '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
}

async function api(care, method, path, body) {
  const response = await fetch(`${care.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${care.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  const parsed = text ? JSON.parse(text) : undefined
  if (!response.ok) {
    const error = new Error(`${method} ${path} → ${response.status} ${parsed?.error?.code ?? ''}`.trim())
    error.status = response.status
    throw error
  }
  return parsed
}

module.exports = (RED) => {
  function CareAlarmIn(config) {
    RED.nodes.createNode(this, config)
    const node = this
    const types = list(config.types)
    const kinds = list(config.kinds)
    const priorities = list(config.priorities).map(Number)
    const grid = list(String(config.grid || '').replace(/\//g, ','))
    const enrich = config.enrich === true || config.enrich === 'true'

    const matches = (event) =>
      (types.length === 0 || types.includes(event.type)) &&
      (kinds.length === 0 || kinds.includes(event.kind)) &&
      (priorities.length === 0 || priorities.includes(event.priority)) &&
      grid.every((level, i) => Array.isArray(event.grid) && event.grid[i] === level)

    const listener = {
      status(state) {
        node.status(
          state === 'connected'
            ? { fill: 'green', shape: 'dot', text: 'connected' }
            : { fill: 'red', shape: 'ring', text: 'disconnected' },
        )
      },
      event(event) {
        if (!event || typeof event.alarmId !== 'string' || !matches(event)) return
        const msg = { topic: event.type, alarmId: event.alarmId, payload: event }
        if (!enrich) return node.send(msg)
        const care = node.context().global.get('care')
        const id = encodeURIComponent
        Promise.all([
          api(care, 'GET', `/alarms/${id(event.alarmId)}`),
          api(care, 'GET', `/elders/${id(event.elderId)}`).catch(() => undefined),
          event.carerId
            ? api(care, 'GET', `/carers/${id(event.carerId)}`).catch(() => undefined)
            : Promise.resolve(undefined),
        ]).then(
          ([alarm, elder, carer]) => node.send({ ...msg, alarm, elder, carer }),
          (error) => node.error(`alarm ${event.alarmId} not read: ${error.message}`, msg),
        )
      },
    }

    const care = node.context().global.get('care')
    if (!care) {
      node.status({ fill: 'red', shape: 'ring', text: 'no care settings' })
      node.error('global context "care" is missing: is this the gateway\'s embedded Node-RED?')
      return
    }
    shared.listeners.add(listener)
    const client = connect(care)
    listener.status(client.connected ? 'connected' : 'disconnected')

    node.on('close', (done) => {
      shared.listeners.delete(listener)
      if (shared.listeners.size === 0 && shared.client) {
        const closing = shared.client
        shared.client = undefined
        closing.end(false, {}, () => done())
      } else done()
    })
  }
  RED.nodes.registerType('care alarm in', CareAlarmIn)

  const ACTIONS = ['note', 'assign', 'escalate', 'resolve']

  function CareAction(config) {
    RED.nodes.createNode(this, config)
    this.on('input', (msg, send, done) => {
      const care = this.context().global.get('care')
      const action = config.action === 'msg' || !config.action ? msg.action : config.action
      const alarmId = msg.alarmId ?? msg.payload?.alarmId
      if (!ACTIONS.includes(action)) return done(new Error(`unknown action ${action}`))
      if (typeof alarmId !== 'string') return done(new Error('no msg.alarmId'))
      const body = { action }
      const note = msg.note ?? config.note
      const carerId = msg.carerId ?? config.carerId
      const outcome = msg.outcome ?? config.outcome
      if (note) body.note = String(note)
      if (action === 'assign' && carerId) body.carerId = String(carerId)
      if (action === 'resolve' && outcome) body.outcome = String(outcome)
      api(care, 'POST', `/alarms/${encodeURIComponent(alarmId)}/actions`, body).then(
        (alarm) => {
          this.status({ fill: 'green', shape: 'dot', text: `${action} ${alarmId}` })
          send({ ...msg, payload: alarm })
          done()
        },
        (error) => {
          this.status({ fill: 'red', shape: 'ring', text: `${action} failed` })
          done(error)
        },
      )
    })
  }
  RED.nodes.registerType('care action', CareAction)
}
