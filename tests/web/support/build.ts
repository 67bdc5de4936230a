/** The page build lives in scripts/build-web.ts (npm start runs it too); kept here for older imports. */
export { ensureWebBuild } from '../../../scripts/build-web.ts'
