/** Kubernetes-style label selectors as hcloud uses them ("role=db,stack in (phase2,phase3),!legacy"). */

type Term = (labels: Readonly<Record<string, string>>) => boolean;

function splitTerms(selector: string): string[] {
    const terms: string[] = [];
    let depth = 0;
    let cur = "";
    for (const ch of selector) {
        if (ch === "(") depth++;
        if (ch === ")") depth--;
        if (ch === "," && depth === 0) {
            terms.push(cur);
            cur = "";
        } else cur += ch;
    }
    return [...terms, cur].map((t) => t.trim()).filter((t) => t !== "");
}

function parseTerm(term: string): Term | undefined {
    let m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
    if (m) {
        const [, key = "", op, value = ""] = m;
        return op === "!=" ? (l) => l[key] !== value : (l) => l[key] === value;
    }
    m = /^([\w./-]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (m) {
        const [, key = "", op, list = ""] = m;
        const values = list.split(",").map((v) => v.trim());
        return op === "in"
            ? (l) => values.includes(l[key] ?? "\u0000")
            : (l) => !values.includes(l[key] ?? "\u0000");
    }
    m = /^(!?)([\w./-]+)$/.exec(term);
    if (m) {
        const [, not, key = ""] = m;
        return not ? (l) => !(key in l) : (l) => key in l;
    }
    return undefined;
}

/** True when every term matches; an unparseable selector matches nothing. */
export function selectorMatches(selector: string, labels: Readonly<Record<string, string>>): boolean {
    const terms = splitTerms(selector).map(parseTerm);
    return terms.length > 0 && terms.every((t) => t !== undefined && t(labels));
}
