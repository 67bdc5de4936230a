/** Where the flows' credential secret is kept when the configuration sets none. */
export interface FlowsSecretRepository {
  /**
   * The secret kept, or `candidate` kept from now on when there is none yet; answers the one that
   * stands (losing it loses the flows' stored credentials).
   */
  keepCredentialSecret(candidate: string): Promise<string>
}
