import { ensureWebBuild } from './build.ts'

/** vitest globalSetup: the web tests need dashboards/dist; build it once before any test file runs. */
export default function setup(): void {
  ensureWebBuild()
}
