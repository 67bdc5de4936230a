// `npm run flows:restore`: put the shipped flows (flows/*.json) back as the embedded Node-RED's flows.
// The flows the operators had are kept beside them as a backup. Restart the gateway afterwards.
import { loadConfig } from '../gateway/config.ts'
import { flowsUserDir, restoreShippedFlows } from '../gateway/flows/shipped.ts'

const config = loadConfig()
const userDir = flowsUserDir(config.dataDir)
const { backup } = restoreShippedFlows(userDir)
console.warn(`shipped flows restored in ${userDir}${backup ? `; the previous flows are in ${backup}` : ''}`)
console.warn('restart the gateway to run them')
