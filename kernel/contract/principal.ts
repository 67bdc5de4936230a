import type { PrincipalKind } from './topics.ts'

/** Who is on the other end of an MQTT connection, once authenticated. */
export interface Principal {
  kind: PrincipalKind
  id: string
  /** The session (its token's hash) a carer's phone logged in with, instead of the secret. */
  session?: string
}
