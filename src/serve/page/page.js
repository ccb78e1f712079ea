// kine-tarif's page: calls the service's JSON API (/v1/...) and shows the
// answers in French. Amounts stay decimal strings from the server; the
// file's totals are summed as integers (millionths of a euro, BigInt),
// never as floating point.
"use strict";

const $ = (id) => document.getElementById(id);
let catalogue = {};

function text(tag, content, cls) {
  const e = document.createElement(tag);
  if (content !== undefined && content !== null) e.textContent = content;
  if (cls) e.className = cls;
  return e;
}

// "16.58" → "16,58 €"; "1234.5" → "1 234,50 €".
function euros(d) {
  if (d === null || d === undefined || d === "") return "";
  let s = String(d);
  const neg = s.startsWith("-");
  if (neg) s = s.slice(1);
  let [int, frac = ""] = s.split(".");
  while (frac.length < 2) frac += "0";
  int = int.replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
  return (neg ? "-" : "") + int + "," + frac + "\u00a0€";
}

// A decimal text as an integer number of millionths (exact).
function micros(d) {
  if (!d) return 0n;
  let s = String(d).trim();
  const neg = s.startsWith("-");
  if (neg) s = s.slice(1);
  const [int, frac = ""] = s.split(".");
  if (!/^\d+$/.test(int) || !/^\d*$/.test(frac)) return 0n;
  const v = BigInt(int) * 1000000n + BigInt((frac + "000000").slice(0, 6));
  return neg ? -v : v;
}

function fromMicros(m) {
  const neg = m < 0n;
  if (neg) m = -m;
  const int = m / 1000000n;
  let frac = (m % 1000000n).toString().padStart(6, "0").replace(/0+$/, "");
  while (frac.length < 2) frac += "0";
  return (neg ? "-" : "") + int.toString() + "." + frac;
}

const severities = { error: "erreur", warning: "avertissement", info: "information" };
const statuses = { ok: "conforme", warning: "avertissement", error: "erreur" };

// "8,10 €" → "8.10" (what the API reads).
function decimal(v) {
  return v.replace(/\s|€/g, "").replace(",", ".");
}

function frDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso || "";
}

async function call(url, options) {
  const r = await fetch(url, options);
  const body = await r.json().catch(() => null);
  if (!r.ok || !body || body.error) {
    const e = body && body.error;
    throw new Error(e ? (e.path ? `${e.path} : ${e.message}` : e.message) : `réponse ${r.status}`);
  }
  return body;
}

function showError(where, e) {
  where.replaceChildren(text("p", e.message, "erreur"));
}

function findingsList(findings) {
  const ul = text("ul", null, "constats");
  for (const f of findings) {
    const li = text("li", null, f.severity);
    li.append(text("strong", `${f.code} (${severities[f.severity] || f.severity})`), " ", f.message);
    const c = catalogue[f.code];
    if (c) {
      li.append(text("div", `Règle : ${c.rule}`, "regle"), text("div", `Source : ${c.source}`, "source"));
    }
    ul.append(li);
  }
  return ul;
}

async function priceLine(ev) {
  ev.preventDefault();
  const out = $("resultat-cotation");
  const q = new URLSearchParams();
  q.set("code", $("code").value.trim());
  q.set("date", $("date").value);
  for (const [id, key] of [["coefficient", "coefficient"], ["quantity", "quantity"], ["billed_amount", "billed_amount"]]) {
    const v = $(id).value.trim();
    if (v) q.set(key, decimal(v));
  }
  const dept = $("department").value.trim();
  if (dept) q.set("department", dept);
  try {
    const { result } = await call(`/v1/explain?${q}`);
    const l = result.line;
    const box = text("div", null, `carte ${l.status}`);
    const amount = text("p", null, "montant");
    amount.append("Montant : ", text("strong", l.amount ? euros(l.amount) : "non facturable tel quel", "valeur-montant"));
    box.append(amount);
    if (l.formula) box.append(text("p", `Calcul : ${l.formula}`, "formule"));
    box.append(text("p", `Statut : ${statuses[l.status] || l.status}`, "statut"));
    if (l.findings.length) box.append(findingsList(l.findings));
    const details = text("details");
    details.append(text("summary", "Explication complète (valeurs, validités, sources)"), text("pre", result.explanation));
    box.append(details);
    out.replaceChildren(box);
  } catch (e) {
    showError(out, e);
  }
}

let lastCsv = "";

async function checkFile(csv) {
  const out = $("resultat-fichier");
  lastCsv = csv;
  out.replaceChildren(text("p", "Contrôle en cours…"));
  try {
    const r = await fetch("/v1/batch?format=jsonl", { method: "POST", body: csv, headers: { "Content-Type": "text/csv" } });
    if (!r.ok) {
      const body = await r.json().catch(() => null);
      throw new Error(body && body.error ? body.error.message : `réponse ${r.status}`);
    }
    const rows = (await r.text()).split("\n").filter((l) => l).map((l) => JSON.parse(l));
    showRows(rows);
  } catch (e) {
    showError(out, e);
  }
}

function showRows(rows) {
  const out = $("resultat-fichier");
  const n = { ok: 0, warning: 0, error: 0 };
  let computed = 0n, billed = 0n;
  const codes = new Set();
  for (const r of rows) {
    n[r.status] = (n[r.status] || 0) + 1;
    computed += micros(r.amount);
    billed += micros(r.billed_amount);
    for (const f of r.findings) codes.add(f.code);
  }
  const plural = (k, one, many) => `${k} ${k <= 1 ? one : many}`;
  const summary = text("p",
    `${plural(rows.length, "ligne", "lignes")} : ${plural(n.ok, "conforme", "conformes")}, ` +
    `${plural(n.warning, "avertissement", "avertissements")}, ${plural(n.error, "erreur", "erreurs")} ; ` +
    `calculé ${euros(fromMicros(computed))}, facturé ${euros(fromMicros(billed))}`, "resume");
  summary.id = "resume-fichier";

  const filters = text("div", null, "filtres");
  const byStatus = document.createElement("select");
  byStatus.id = "filtre-statut";
  byStatus.setAttribute("aria-label", "Filtrer par statut");
  for (const [v, l] of [["", "Tous les statuts"], ["ok", "Conformes"], ["warning", "Avertissements"], ["error", "Erreurs"]]) {
    const o = text("option", l); o.value = v; byStatus.append(o);
  }
  const byCode = document.createElement("select");
  byCode.id = "filtre-code";
  byCode.setAttribute("aria-label", "Filtrer par code de constat");
  const all = text("option", "Tous les constats"); all.value = ""; byCode.append(all);
  for (const c of [...codes].sort()) { const o = text("option", c); o.value = c; byCode.append(o); }
  const download = text("button", "Télécharger le résultat (CSV)");
  download.type = "button";
  download.addEventListener("click", downloadCsv);
  filters.append(byStatus, byCode, download);

  const table = text("table");
  const head = text("tr");
  for (const h of ["Ligne", "Facture", "Patient", "Date", "Code", "Coefficient", "Montant", "Facturé", "Statut", "Constats"]) head.append(text("th", h));
  table.append(head);
  const trs = [];
  for (const r of rows) {
    const tr = text("tr", null, r.status);
    tr.dataset.status = r.status;
    tr.dataset.codes = r.findings.map((f) => f.code).join(" ");
    tr.append(text("td", r.row, "n"), text("td", r.invoice_id), text("td", r.patient_id), text("td", frDate(r.date)),
      text("td", r.code_in), text("td", (r.coefficient_in || "").replace(".", ",")), text("td", euros(r.amount), "n"),
      text("td", euros(r.billed_amount), "n"), text("td", statuses[r.status] || r.status),
      text("td", r.findings.map((f) => `${f.code} : ${f.message}`).join(" | ")));
    trs.push(tr);
    table.append(tr);
  }
  const apply = () => {
    for (const tr of trs) {
      const okStatus = !byStatus.value || tr.dataset.status === byStatus.value;
      const okCode = !byCode.value || tr.dataset.codes.split(" ").includes(byCode.value);
      tr.hidden = !(okStatus && okCode);
    }
  };
  byStatus.addEventListener("change", apply);
  byCode.addEventListener("change", apply);
  out.replaceChildren(summary, filters, table);
}

async function downloadCsv() {
  let blob;
  try {
    const r = await fetch("/v1/batch?format=csv", { method: "POST", body: lastCsv, headers: { "Content-Type": "text/csv" } });
    if (!r.ok) {
      const body = await r.json().catch(() => null);
      throw new Error(body && body.error ? body.error.message : `réponse ${r.status}`);
    }
    blob = await r.blob();
  } catch (e) {
    // Said above the table, which stays.
    $("erreur-telechargement")?.remove();
    const p = text("p", `Téléchargement impossible : ${e.message}`, "erreur");
    p.id = "erreur-telechargement";
    p.setAttribute("role", "alert");
    $("resultat-fichier").prepend(p);
    return;
  }
  $("erreur-telechargement")?.remove();
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = "resultat-kine-tarif.csv";
  a.click();
  URL.revokeObjectURL(a.href);
}

// A table: its headers, then rows of [text, class] cells.
function table(headers, rows) {
  const t = text("table");
  const h = text("tr");
  for (const c of headers) h.append(text("th", c));
  t.append(h);
  for (const r of rows) {
    const tr = text("tr");
    for (const [content, cls] of r) tr.append(text("td", content, cls));
    t.append(tr);
  }
  return t;
}

// A period's end is its first day out: the day before is its last.
function dayBefore(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d) - 86400000).toISOString().slice(0, 10);
}

async function tariffs(ev) {
  ev.preventDefault();
  const out = $("resultat-tarifs");
  const q = new URLSearchParams({ date: $("tarifs-date").value });
  const d = $("tarifs-departement").value.trim();
  if (d) q.set("department", d);
  try {
    const { result } = await call(`/v1/tariffs?${q}`);
    const values = table(["Code", "Valeur", "Du", "Au", "Source"], result.letter_values.map((v) => [
      [v.code], [v.value ? euros(v.value) : "inconnue", "n"], [frDate(v.valid_from)],
      [v.valid_to ? frDate(dayBefore(v.valid_to)) : ""], [v.source]]));
    const acts = table(["Lettre", "Coefficient", "Montant", "Acte", "Libellé"], result.acts.map((a) => [
      [a.letter], [a.coefficient.replace(".", ","), "n"], [euros(a.amount), "n"], [a.act_id], [a.label]]));
    out.replaceChildren(text("h3", "Valeurs des codes"), values, text("h3", "Actes"), acts);
  } catch (e) {
    showError(out, e);
  }
}

async function start() {
  const today = new Date().toISOString().slice(0, 10);
  $("date").value = today;
  $("tarifs-date").value = today;
  $("form-cotation").addEventListener("submit", priceLine);
  $("form-tarifs").addEventListener("submit", tariffs);
  const depot = $("depot");
  depot.addEventListener("dragover", (e) => { e.preventDefault(); depot.classList.add("survol"); });
  depot.addEventListener("dragleave", () => depot.classList.remove("survol"));
  depot.addEventListener("drop", async (e) => {
    e.preventDefault();
    depot.classList.remove("survol");
    const f = e.dataTransfer.files[0];
    if (f) await checkFile(await f.text());
  });
  depot.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); $("choix").click(); }
  });
  $("choix").addEventListener("change", async () => {
    const f = $("choix").files[0];
    if (f) await checkFile(await f.text());
  });
  $("envoyer").addEventListener("click", () => checkFile($("colle").value));
  try {
    const v = await (await fetch("/version")).json();
    $("versions").textContent = `kine-tarif ${v.crate_version}, données tarifaires ${v.tariff_data_version}`;
    const { result } = await call("/v1/findings");
    for (const c of result) catalogue[c.code] = c;
  } catch (e) {
    $("versions").textContent = "service injoignable";
  }
}

start();
