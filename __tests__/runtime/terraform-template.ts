/**
 * Test harness: fills in the Terraform template syntax the runtime synthesizes into file contents, as Terraform
 * would at apply time, so real tools (nginx -t) can check the synthesized text itself. It understands exactly the
 * forms the runtime emits — `${var.x}`, resource attributes (`docker_container.web_blue.name`, given by their full
 * address as a key of the values), subtraction, comparisons, `cond ? "a" : "b"` with nested templates, `$${`
 * escapes — and throws on anything else, so a change in what is synthesized shows up as a failing test, not a
 * silent pass. Terraform itself evaluates the same text in the e2e suite's real applies.
 */
export type TemplateVariables = Readonly<Record<string, string | number>>;

export function renderTerraformTemplate(template: string, variables: TemplateVariables): string {
  let out = "";
  let index = 0;
  while (index < template.length) {
    if (template.startsWith("$${", index) || template.startsWith("%%{", index)) {
      out += template[index] + "{";
      index += 3;
    } else if (template.startsWith("%{", index)) {
      throw new Error(`template directive at ${index} is not supported by the test harness`);
    } else if (template.startsWith("${", index)) {
      const end = closingBrace(template, index + 2);
      const parser = new ExpressionParser(template.slice(index + 2, end), variables);
      out += String(parser.parseAll());
      index = end + 1;
    } else {
      out += template[index];
      index += 1;
    }
  }
  return out;
}

/** Index of the `}` closing an interpolation that starts at `from`, skipping braces inside string literals. */
function closingBrace(text: string, from: number): number {
  let depth = 0;
  let index = from;
  while (index < text.length) {
    const char = text[index];
    if (char === '"') {
      index = stringEnd(text, index) + 1;
      continue;
    }
    if (char === "{") depth += 1;
    if (char === "}") {
      if (depth === 0) return index;
      depth -= 1;
    }
    index += 1;
  }
  throw new Error(`unterminated interpolation in ${JSON.stringify(text)}`);
}

/** Index of the `"` closing a string literal opened at `start`, skipping escapes and nested interpolations. */
function stringEnd(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length) {
    if (text[index] === "\\") index += 2;
    else if (text.startsWith("${", index)) index = closingBrace(text, index + 2) + 1;
    else if (text[index] === '"') return index;
    else index += 1;
  }
  throw new Error(`unterminated string in ${JSON.stringify(text)}`);
}

class ExpressionParser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly variables: TemplateVariables,
  ) {}

  public parseAll(): string | number | boolean {
    const value = this.conditional();
    this.skipSpace();
    if (this.position !== this.text.length)
      throw new Error(`unsupported expression ${JSON.stringify(this.text)} at ${this.position}`);
    return value;
  }

  private conditional(): string | number | boolean {
    const condition = this.comparison();
    this.skipSpace();
    if (!this.text.startsWith("?", this.position)) return condition;
    this.position += 1;
    const whenTrue = this.conditional();
    this.expect(":");
    const whenFalse = this.conditional();
    if (typeof condition !== "boolean") throw new Error(`condition ${JSON.stringify(condition)} is not a boolean`);
    return condition ? whenTrue : whenFalse;
  }

  private comparison(): string | number | boolean {
    const left = this.difference();
    this.skipSpace();
    const operator = ["==", "!=", ">=", "<=", ">", "<"].find((candidate) =>
      this.text.startsWith(candidate, this.position),
    );
    if (!operator) return left;
    this.position += operator.length;
    const right = this.difference();
    switch (operator) {
      case "==":
        return left === right;
      case "!=":
        return left !== right;
      case ">=":
        return Number(left) >= Number(right);
      case "<=":
        return Number(left) <= Number(right);
      case ">":
        return Number(left) > Number(right);
      default:
        return Number(left) < Number(right);
    }
  }

  private difference(): string | number | boolean {
    let value = this.primary();
    this.skipSpace();
    while (this.text.startsWith("- ", this.position)) {
      this.position += 1;
      const right = this.primary();
      if (typeof value !== "number" || typeof right !== "number")
        throw new Error(`subtraction of non-numbers in ${JSON.stringify(this.text)}`);
      value -= right;
      this.skipSpace();
    }
    return value;
  }

  private primary(): string | number | boolean {
    this.skipSpace();
    const rest = this.text.slice(this.position);
    if (rest.startsWith("(")) {
      this.position += 1;
      const value = this.conditional();
      this.expect(")");
      return value;
    }
    if (rest.startsWith('"')) {
      const end = stringEnd(this.text, this.position);
      const raw = this.text
        .slice(this.position + 1, end)
        .replace(/\\(["\\])/g, "$1")
        .replace(/\\n/g, "\n");
      this.position = end + 1;
      return renderTerraformTemplate(raw, this.variables);
    }
    const number = /^-?\d+(\.\d+)?/.exec(rest);
    if (number) {
      this.position += number[0].length;
      return Number(number[0]);
    }
    const attribute = /^((?:docker_[a-z_]+|terraform_data)\.[A-Za-z0-9_-]+\.[a-z_]+)/.exec(rest);
    if (attribute) {
      this.position += attribute[0].length;
      const value = this.variables[attribute[1]];
      if (value === undefined) throw new Error(`no value for ${attribute[1]}`);
      return value;
    }
    const reference = /^var\.([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
    if (reference) {
      this.position += reference[0].length;
      const value = this.variables[reference[1]];
      if (value === undefined) throw new Error(`no value for var.${reference[1]}`);
      return value;
    }
    throw new Error(`unsupported expression ${JSON.stringify(this.text)} at ${this.position}`);
  }

  private expect(token: string): void {
    this.skipSpace();
    if (!this.text.startsWith(token, this.position))
      throw new Error(`expected ${token} in ${JSON.stringify(this.text)} at ${this.position}`);
    this.position += token.length;
  }

  private skipSpace(): void {
    while (this.text[this.position] === " ") this.position += 1;
  }
}
