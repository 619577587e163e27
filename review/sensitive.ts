/**
 * Masks sensitive values before anything is compared or printed: attributes the providers mark sensitive, attributes
 * named like credentials, and every interpolation that reads a sensitive variable (`${var.secret_x}`).
 */
import { createHash } from "crypto";

/** What a masked value prints as. */
export const SENSITIVE_TEXT = "(sensitive)";

/**
 * A masked value. Two masked values compare equal only when the values behind them are equal, so a changed
 * secret reference still shows as a change; the fingerprint is never printed.
 */
export class Sensitive {
  constructor(
    /** What to print: `(sensitive)`, or the text around masked interpolations (`DATABASE_URL=(sensitive)`). */
    public readonly display: string,
    /** Hash of the unmasked value, for equality only. */
    public readonly fingerprint: string,
  ) {}

  public toJSON(): string {
    return this.display;
  }
}

/** Attributes the providers declare sensitive, by resource type; paths without list indices. */
const SENSITIVE_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  github_actions_environment_secret: ["plaintext_value", "encrypted_value"],
  github_actions_secret: ["plaintext_value", "encrypted_value"],
  grafana_data_source: ["http_headers", "secure_json_data_encoded"],
  // grafana_contact_point: every integration's `settings`, and the credentials of each.
  grafana_contact_point: [
    "alertmanager.basic_auth_password",
    "alertmanager.settings",
    "dingding.settings",
    "dingding.url",
    "discord.settings",
    "discord.url",
    "email.settings",
    "googlechat.settings",
    "googlechat.url",
    "jira.api_token",
    "jira.password",
    "jira.settings",
    "jira.user",
    "kafka.password",
    "kafka.rest_proxy_url",
    "kafka.settings",
    "line.settings",
    "line.token",
    "oncall.authorization_credentials",
    "oncall.basic_auth_password",
    "oncall.settings",
    "opsgenie.api_key",
    "opsgenie.settings",
    "pagerduty.integration_key",
    "pagerduty.settings",
    "pushover.api_token",
    "pushover.settings",
    "pushover.user_key",
    "sensugo.api_key",
    "sensugo.settings",
    "slack.settings",
    "slack.token",
    "slack.url",
    "sns.access_key",
    "sns.secret_key",
    "sns.settings",
    "teams.settings",
    "teams.url",
    "telegram.settings",
    "telegram.token",
    "threema.api_secret",
    "threema.settings",
    "victorops.settings",
    "victorops.url",
    "webex.settings",
    "webex.token",
    "webhook.authorization_credentials",
    "webhook.basic_auth_password",
    "webhook.settings",
    "webhook.tls_config",
    "webhook.hmac_config",
    "webhook.http_config",
    "wecom.secret",
    "wecom.settings",
    "wecom.url",
  ],
};

/** Attribute names that hold credentials whatever the resource: masked even where a provider forgets to say so. */
const CREDENTIAL_NAME =
  /^(password|passwd|token|secret|auth|api_key|private_key|pem_file|plaintext_value|encrypted_value|client_secret|access_key|secret_key|key_material|credentials?|authorization_credentials|http_headers)$|_(password|token|secret)$/;

/** Masks one block's body (a resource, provider or variable), walking it with its attribute paths. */
export function maskSensitive(blockType: string, body: unknown, sensitiveVariables: ReadonlySet<string>): unknown {
  const declared = new Set(SENSITIVE_ATTRIBUTES[blockType] ?? []);
  const visit = (value: unknown, path: readonly string[]): unknown => {
    const name = path[path.length - 1];
    if (
      value !== undefined &&
      value !== null &&
      path.length > 0 &&
      (declared.has(path.join(".")) || CREDENTIAL_NAME.test(name))
    ) {
      return maskValue(value);
    }
    if (typeof value === "string") return maskInterpolations(value, sensitiveVariables);
    if (Array.isArray(value)) return value.map((item) => visit(item, path));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, visit(item, [...path, key])]));
    }
    return value;
  };
  return visit(body, []);
}

/** Masks a whole value. */
export function maskValue(value: unknown): Sensitive {
  return value instanceof Sensitive ? value : new Sensitive(SENSITIVE_TEXT, fingerprint(value));
}

/** Names of the variables a stack declares `sensitive: true`. */
export function sensitiveVariableNames(stack: { variable?: Record<string, { sensitive?: boolean }> }): Set<string> {
  return new Set(
    Object.entries(stack.variable ?? {})
      .filter(([, variable]) => variable?.sensitive === true)
      .map(([name]) => name),
  );
}

/** Replaces every `${…}` interpolation that reads a sensitive variable; a string without one is returned as is. */
function maskInterpolations(text: string, sensitiveVariables: ReadonlySet<string>): string | Sensitive {
  if (sensitiveVariables.size === 0 || !text.includes("${")) return text;
  let masked = "";
  let changed = false;
  let index = 0;
  while (index < text.length) {
    const start = text.indexOf("${", index);
    if (start < 0) break;
    const end = interpolationEnd(text, start);
    if (end < 0) break;
    const expression = text.slice(start, end + 1);
    masked += text.slice(index, start);
    if (readsSensitiveVariable(expression, sensitiveVariables)) {
      masked += SENSITIVE_TEXT;
      changed = true;
    } else {
      masked += expression;
    }
    index = end + 1;
  }
  masked += text.slice(index);
  return changed ? new Sensitive(masked, fingerprint(text)) : text;
}

/** Index of the `}` closing the interpolation opened at `start`, counting nested braces; -1 if unclosed. */
function interpolationEnd(text: string, start: number): number {
  let depth = 0;
  for (let index = start + 1; index < text.length; index++) {
    if (text[index] === "{") depth++;
    else if (text[index] === "}" && --depth === 0) return index;
  }
  return -1;
}

function readsSensitiveVariable(expression: string, sensitiveVariables: ReadonlySet<string>): boolean {
  for (const match of expression.matchAll(/\bvar\.([A-Za-z_][A-Za-z0-9_-]*)/g)) {
    if (sensitiveVariables.has(match[1])) return true;
  }
  return false;
}

function fingerprint(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}
