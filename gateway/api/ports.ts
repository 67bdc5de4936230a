import type { DeviceCommand } from '../../kernel/contract/commands.ts'

/** A base map extract the gateway serves itself (CARE_TILES_FILE): raster tiles by XYZ address. */
export interface TileSource {
  /** The tiles' media type (image/png, image/jpeg, image/webp). */
  readonly type: string
  readonly minZoom: number
  readonly maxZoom: number
  /** South-west and north-east corners, WGS-84, when the extract says. */
  readonly bounds: [[number, number], [number, number]] | undefined
  /** Changes when the extract is replaced: part of every tile's ETag. */
  readonly version: string
  /** The tile at XYZ (z, x, y), or undefined when the extract has none there. */
  tile(z: number, x: number, y: number): Promise<Uint8Array | undefined>
  close(): void
}

/** Commands to devices that speak a vendor protocol (a "3G" watch on the watch listener). */
export interface DeviceCommands {
  /** Sends it when the device is connected there now; false otherwise (nothing is queued). */
  send(deviceId: string, command: DeviceCommand): boolean
}
