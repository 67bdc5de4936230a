import { ensureWebBuild } from '../../../scripts/build-web.ts'

/** vitest globalSetup: the web tests need dashboards/dist; build it once before any test file runs. */
export default function setup(): void {
  if (ensureWebBuild({ quiet: true }) === 'no-vite') throw new Error('the web tests need Vite (npm ci)')
}
