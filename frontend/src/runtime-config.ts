/**
 * The app's one runtime setting file, /config.json, fetched before the first render. It is
 * written next to the built assets: by the local web server (infra/local/web-server.ts) for
 * `npm start`, and from the stack's outputs after a deploy (infra/deploy/publish-web.ts). The
 * same build therefore runs against any stack.
 */
export type AuthConfig =
  /**
   * Local stack only: tokens from the local issuer that `npm run token` also uses, and the local
   * user pool (Cognito's API, infra/local/aws/cognito/) that shoppers sign up and sign in with.
   */
  | { mode: 'local'; tokenUrl: string; userPool?: { endpoint: string; clientId: string } }
  /** Deployed: Cognito's hosted UI, OAuth 2.0 authorization code flow with PKCE. */
  | { mode: 'cognito'; domain: string; clientId: string };

export interface RuntimeConfig {
  /** The HTTP API's base URL, without a trailing slash. */
  apiUrl: string;
  auth: AuthConfig;
  /** Local stack only: the page of the mail SES sent (order confirmations go there, not out). */
  mailbox?: string;
}
