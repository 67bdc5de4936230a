import type { Dialect, Downlink } from '../protocol.ts'

/**
 * Frames the gateway sends a "3G" device: replies and commands, in the
 * dialect the device's own frames used (its maker letters; the index field
 * of ZJ devices, echoed). The length field is the content's length in bytes,
 * four hex digits.
 */
export function frame(deviceId: string, dialect: Dialect, content: string | Buffer): Buffer {
  const body = typeof content === 'string' ? Buffer.from(content, 'utf8') : content
  const length = Math.min(body.length, 0xffff).toString(16).toUpperCase().padStart(4, '0')
  const index = dialect.index ? `*${dialect.index}` : ''
  return Buffer.concat([
    Buffer.from(`[${dialect.maker ?? '3G'}*${deviceId}${index}*${length}*`, 'latin1'),
    body,
    Buffer.from(']', 'latin1'),
  ])
}

/** Text for the screen: `MESSAGE,` and the text in UTF-16BE, as hex. */
export function messageContent(text: string): string {
  const bytes = Buffer.from(text, 'utf16le')
  bytes.swap16()
  return `MESSAGE,${bytes.toString('hex').toUpperCase()}`
}

/** The contents a command takes, one frame each. */
export function commandContents(command: Downlink): string[] {
  switch (command.command) {
    case 'locate':
      return ['CR']
    case 'interval':
      return [`UPLOAD,${command.seconds}`]
    case 'sos_numbers':
      // contract: those not given are cleared
      return [0, 1, 2].map((i) => `SOS${i + 1},${command.numbers[i] ?? ''}`)
    case 'center':
      return [`CENTER,${command.phone}`]
    case 'message':
      return [messageContent(command.text)]
    case 'find':
      return ['FIND']
    case 'power_off':
      return ['POWEROFF']
  }
}

export function encodeCommand(deviceId: string, command: Downlink, dialect: Dialect): Buffer[] {
  return commandContents(command).map((content) => frame(deviceId, dialect, content))
}
